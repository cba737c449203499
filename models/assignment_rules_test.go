package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// ruleWorld: GitLab.com, acme (Ultimate) > platform > project api, and
// acme > data; a Duo Pro purchase of `seats` on acme. owner owns acme;
// dev01..devNN are Developers of platform, in that order of joining; rep
// is a Reporter of platform, apidev a Developer of platform/api, analyst
// a Developer of data.
type ruleWorld struct {
	s        *models.Store
	p        *models.AddOnPurchase
	acme     *models.Group
	platform *models.Group
	data     *models.Group
	users    map[string]*models.User
	members  map[string]*models.Member
}

func newRuleWorld(t *testing.T, s *models.Store, devs, seats int) *ruleWorld {
	t.Helper()
	ctx := context.Background()
	w := &ruleWorld{s: s, users: map[string]*models.User{}, members: map[string]*models.Member{}}
	var err error
	if w.acme, err = s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate}); err != nil {
		t.Fatal(err)
	}
	w.platform, _ = s.CreateGroup(ctx, tester, w.acme, models.GroupInput{Path: "platform", Name: "Platform"})
	w.data, _ = s.CreateGroup(ctx, tester, w.acme, models.GroupInput{Path: "data", Name: "Data"})
	api, _ := s.CreateProject(ctx, tester, w.platform, models.ProjectInput{Path: "api", Name: "API"})
	w.join(t, "owner", models.GroupSource(w.acme), models.Owner)
	for i := 1; i <= devs; i++ {
		w.join(t, fmt.Sprintf("dev%02d", i), models.GroupSource(w.platform), models.Developer)
	}
	w.join(t, "rep", models.GroupSource(w.platform), models.Reporter)
	w.join(t, "apidev", models.ProjectSource(api, w.platform), models.Developer)
	w.join(t, "analyst", models.GroupSource(w.data), models.Developer)
	// Memberships joined a minute apart, in the order above.
	db, _ := s.SQLDB()
	base := time.Now().UTC().Add(-24 * time.Hour)
	var ids []int64
	for _, m := range w.members {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if _, err := db.Exec("UPDATE members SET created_at = $1 WHERE id = $2", base.Add(time.Duration(i)*time.Minute), id); err != nil {
			t.Fatal(err)
		}
	}
	if w.p, err = s.CreatePurchase(ctx, tester, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		NamespaceID: &w.acme.ID, Quantity: seats, ExpiresOn: models.Today().AddDays(300)}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *ruleWorld) join(t *testing.T, name string, src models.Source, lvl models.AccessLevel) {
	t.Helper()
	u := mkUser(t, w.s, name, models.StateActive, false)
	m, err := w.s.AddMember(context.Background(), tester, src, u, lvl)
	if err != nil {
		t.Fatal(err)
	}
	w.users[name], w.members[name] = u, m
}

func (w *ruleWorld) addRule(t *testing.T, in models.RuleInput) *models.RuleChangeResult {
	t.Helper()
	res, err := w.s.ChangeRule(context.Background(), tester, w.p.ID, models.RuleChange{Op: models.RuleCreate, Input: in}, false)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (w *ruleWorld) leave(t *testing.T, name string) {
	t.Helper()
	m := w.members[name]
	src := models.GroupSource(w.platform)
	if name == "analyst" {
		src = models.GroupSource(w.data)
	}
	if err := w.s.RemoveMember(context.Background(), tester, src, m.ID); err != nil {
		t.Fatal(err)
	}
}

func holderNames(t *testing.T, s *models.Store, p *models.AddOnPurchase) []string {
	t.Helper()
	db, _ := s.SQLDB()
	rows, err := db.Query(`SELECT u.username FROM seat_assignments sa JOIN users u ON u.id = sa.user_id
		WHERE sa.add_on_purchase_id = $1 ORDER BY u.username`, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

func diffNames(us []models.RuleDiffUser) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Username
	}
	return out
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	return out
}

// smEmptyPurchase: a self-managed Premium instance with a Duo Pro
// purchase of quantity and no seats assigned.
func smEmptyPurchase(t *testing.T, s *models.Store, quantity int) *models.AddOnPurchase {
	t.Helper()
	db, _ := s.SQLDB()
	if _, err := db.Exec("UPDATE instance_settings SET plan = 'premium'"); err != nil {
		t.Fatal(err)
	}
	// The administrator who is told of held runs.
	mkUser(t, s, "admin", models.StateActive, false)
	if _, err := db.Exec("UPDATE users SET admin = true WHERE username = 'admin'"); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePurchase(context.Background(), tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: quantity, ExpiresOn: models.Today().AddDays(300)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var platformDevs = models.RuleInput{SourceKind: models.RuleSourceGroup, Source: "acme/platform", MinAccessLevel: "developer",
	Mode: models.RuleModeAssignRemove}

func TestRuleOnGroupAssignsDevelopersAndUpWithLedgerReason(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		w := newRuleWorld(t, s, 3, 10)
		res := w.addRule(t, platformDevs)
		want := []string{"apidev", "dev01", "dev02", "dev03"}
		if got := sorted(diffNames(res.Diff.Gains)); !slices.Equal(got, want) {
			t.Fatalf("gains %v, want %v (a subgroup's project counts; reporters and other groups do not)", got, want)
		}
		if got := holderNames(t, s, w.p); !slices.Equal(got, want) {
			t.Fatalf("holders %v, want %v", got, want)
		}
		n := sqlCount(t, s, fmt.Sprintf(`SELECT count(*) FROM seat_events WHERE event = 'gained' AND reason = 'rule' AND rule_id = %d`, res.Rule.ID))
		if n != 4 {
			t.Fatalf("%d ledger rows with reason rule and the rule's id, want 4", n)
		}
		if n := sqlCount(t, s, fmt.Sprintf(`SELECT count(*) FROM seat_assignments WHERE rule_id = %d`, res.Rule.ID)); n != 4 {
			t.Fatalf("%d seats carry the rule, want 4", n)
		}
		// A newcomer gets a seat at once.
		w.join(t, "newbie", models.GroupSource(w.platform), models.Maintainer)
		if got := holderNames(t, s, w.p); !slices.Contains(got, "newbie") {
			t.Fatalf("the new Maintainer has no seat: %v", got)
		}
	})
}

func TestRuleModesAndManualSeats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newRuleWorld(t, s, 4, 20)
		// A small purchase: one leaver is more than 10 % of its seats, and
		// the guard would hold (tested below); here every removal goes.
		if err := s.SetRemovalGuard(ctx, tester, w.p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 100}); err != nil {
			t.Fatal(err)
		}
		// dev04 has a seat given by hand: no rule ever takes it.
		if _, err := s.AssignSeat(ctx, tester.WithSeatReason(models.SeatReasonManual), w.p.ID, w.users["dev04"].ID); err != nil {
			t.Fatal(err)
		}
		// Leavers stay guests of acme/data, so still eligible for a seat.
		for _, n := range []string{"dev01", "dev03", "dev04"} {
			if _, err := s.AddMember(ctx, tester, models.GroupSource(w.data), w.users[n], models.Guest); err != nil {
				t.Fatal(err)
			}
		}
		assignOnly := platformDevs
		assignOnly.Mode = models.RuleModeAssign
		rule := w.addRule(t, assignOnly).Rule
		w.leave(t, "dev01")
		if got := holderNames(t, s, w.p); !slices.Contains(got, "dev01") {
			t.Fatalf("Assign removed dev01's seat: %v", got)
		}
		// Now Assign and remove: leavers lose the seat the rule gave.
		in := platformDevs
		in.Excluded = "dev02"
		diff, err := s.PreviewRuleChange(ctx, tester, w.p.ID, models.RuleChange{Op: models.RuleUpdate, RuleID: rule.ID, Input: in})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, l := range diff.Losses {
			got[l.Username] = l.Why
		}
		want := map[string]string{"dev01": "no longer a member of acme/platform with the Developer role or higher", "dev02": "excluded from the rule"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("losses %v, want %v", got, want)
		}
		if _, err := s.ChangeRule(ctx, tester, w.p.ID, models.RuleChange{Op: models.RuleUpdate, RuleID: rule.ID, Input: in}, false); err != nil {
			t.Fatal(err)
		}
		w.leave(t, "dev03")
		w.leave(t, "dev04")
		want2 := []string{"apidev", "dev04"}
		if got := holderNames(t, s, w.p); !slices.Equal(got, want2) {
			t.Fatalf("holders %v, want %v (the manual seat stays, leavers lose theirs)", got, want2)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_events WHERE event = 'lost' AND reason = 'rule'"); n != 3 {
			t.Fatalf("%d ledger losses with reason rule, want 3", n)
		}
		// Deleting a removing rule takes the seats it gave.
		diff, err = s.PreviewRuleChange(ctx, tester, w.p.ID, models.RuleChange{Op: models.RuleDelete, RuleID: rule.ID})
		if err != nil || len(diff.Losses) != 1 || diff.Losses[0].Why != "the rule was deleted" {
			t.Fatalf("delete preview %+v, %v", diff, err)
		}
		if _, err := s.ChangeRule(ctx, tester, w.p.ID, models.RuleChange{Op: models.RuleDelete, RuleID: rule.ID}, false); err != nil {
			t.Fatal(err)
		}
		if got := holderNames(t, s, w.p); !slices.Equal(got, []string{"dev04"}) {
			t.Fatalf("after deleting the rule: %v", got)
		}
	})
}

func TestRuleWaitingOrderIsEarliestMembershipFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newRuleWorld(t, s, 5, 2)
		res := w.addRule(t, platformDevs)
		if got := diffNames(res.Diff.Gains); !slices.Equal(got, []string{"dev01", "dev02"}) {
			t.Fatalf("gains %v", got)
		}
		if got := diffNames(res.Diff.Waiting); !slices.Equal(got, []string{"dev03", "dev04", "dev05", "apidev"}) {
			t.Fatalf("waiting %v", got)
		}
		// A seat freed goes to the first in line at the next sync.
		if _, err := s.UnassignSeat(ctx, tester, w.p.ID, w.users["dev01"].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ChangeRule(ctx, tester, w.p.ID, models.RuleChange{Op: models.RuleUpdate, RuleID: res.Rule.ID,
			Input: models.RuleInput{SourceKind: "group", Source: "acme/platform", MinAccessLevel: "developer", Mode: "assign_remove", Excluded: "dev01"}}, false); err != nil {
			t.Fatal(err)
		}
		if got := holderNames(t, s, w.p); !slices.Equal(got, []string{"dev02", "dev03"}) {
			t.Fatalf("holders %v, want dev02 and dev03", got)
		}
		// A newcomer with no seat free waits behind the others.
		w.join(t, "late", models.GroupSource(w.platform), models.Developer)
		d, err := s.PreviewRuleSync(ctx, w.p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := diffNames(d.Waiting); !slices.Equal(got, []string{"dev04", "dev05", "apidev", "late"}) {
			t.Fatalf("waiting %v", got)
		}
	})
}

func TestRulePreviewIsWhatTheSyncDoes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newRuleWorld(t, s, 6, 4)
		ch := models.RuleChange{Op: models.RuleCreate, Input: platformDevs}
		preview, err := s.PreviewRuleChange(ctx, tester, w.p.ID, ch)
		if err != nil {
			t.Fatal(err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM duo_assignment_rules"); n != 0 {
			t.Fatalf("the preview wrote %d rule(s)", n)
		}
		res, err := s.ChangeRule(ctx, tester, w.p.ID, ch, false)
		if err != nil {
			t.Fatal(err)
		}
		// The same users, in the same order (the preview's rule id was never kept).
		if fmt.Sprint(diffNames(preview.Gains), diffNames(preview.Waiting)) != fmt.Sprint(diffNames(res.Diff.Gains), diffNames(res.Diff.Waiting)) {
			t.Fatalf("preview %v / %v, sync %v / %v", preview.Gains, preview.Waiting, res.Diff.Gains, res.Diff.Waiting)
		}
		if got := holderNames(t, s, w.p); !slices.Equal(got, sorted(diffNames(preview.Gains))) {
			t.Fatalf("holders %v, preview gains %v", got, diffNames(preview.Gains))
		}
		// Sync now's preview of a synced purchase is empty, and so is the sync.
		d, err := s.PreviewRuleSync(ctx, w.p.ID)
		if err != nil || !d.Empty() || len(d.Waiting) != 3 {
			t.Fatalf("sync preview %+v, %v", d, err)
		}
		audits := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'duo_assignment_rule_created'")
		if audits != 1 {
			t.Fatalf("%d rule_created audit events", audits)
		}
	})
}

func mustUserID(t *testing.T, s *models.Store, name string) int64 {
	t.Helper()
	u, err := s.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// fakeDirectory is an LDAP directory for tests: members by CN, or an error.
type fakeDirectory struct {
	mu      sync.Mutex
	members map[string][]string
	err     error
}

func (f *fakeDirectory) Members(_ context.Context, cn string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return slices.Clone(f.members[cn]), nil
}

func (f *fakeDirectory) set(cn string, names []string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members[cn], f.err = names, err
}

func TestInstanceAndLDAPRulesOnSelfManaged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s0 *models.Store) {
		ctx := context.Background()
		dir := &fakeDirectory{members: map[string][]string{}}
		s := s0.WithDirectory(dir)
		p := smEmptyPurchase(t, s, 40)
		for i := 1; i <= 5; i++ {
			mkUser(t, s, fmt.Sprintf("ldap%d", i), models.StateActive, false)
		}
		mkUser(t, s, "robot", models.StateActive, true)
		mkUser(t, s, "gone", models.StateBlocked, false)
		dir.set("duo-users", []string{"ldap1", "LDAP2@example.com", "nobody-here"}, nil)
		res, err := s.ChangeRule(ctx, tester, p.ID, models.RuleChange{Op: models.RuleCreate, Input: models.RuleInput{
			SourceKind: models.RuleSourceLDAPGroup, Source: "duo-users", Mode: models.RuleModeAssignRemove}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := sorted(diffNames(res.Diff.Gains)); !slices.Equal(got, []string{"ldap1", "ldap2"}) {
			t.Fatalf("LDAP gains %v (usernames and emails match)", got)
		}
		// The instance rule: every active human, except the excluded.
		res2, err := s.ChangeRule(ctx, tester, p.ID, models.RuleChange{Op: models.RuleCreate, Input: models.RuleInput{
			SourceKind: models.RuleSourceInstance, Mode: models.RuleModeAssign, Excluded: "ldap5"}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := sorted(diffNames(res2.Diff.Gains)); !slices.Equal(got, []string{"admin", "ldap3", "ldap4"}) {
			t.Fatalf("instance gains %v", got)
		}
		// A user found in the group later (an LDAP sign-in) is queued and applied at once.
		dir.set("duo-users", []string{"ldap1", "LDAP2@example.com", "ldap5"}, nil)
		if err := s.QueueRuleSync(ctx, mustUserID(t, s, "ldap5")); err != nil {
			t.Fatal(err)
		}
		if got := holderNames(t, s, p); !slices.Contains(got, "ldap5") {
			t.Fatalf("ldap5 has no seat after its sync: %v", got)
		}
		// Leaving the LDAP group: the instance rule still matches, the seat stays.
		dir.set("duo-users", []string{"ldap2", "ldap5"}, nil)
		d, err := s.PreviewRuleSync(ctx, p.ID)
		if err != nil || !d.Empty() {
			t.Fatalf("%+v %v", d, err)
		}
		// Group sources are checked: GitLab.com-only limits do not apply.
		if _, err := s.CountRuleMatches(ctx, p.ID, models.RuleInput{SourceKind: "group", Source: "nowhere", Mode: "assign"}); err == nil {
			t.Fatal("an unknown group was accepted")
		}
		n, err := s.CountRuleMatches(ctx, p.ID, models.RuleInput{SourceKind: "instance", Mode: "assign"})
		if err != nil || n != 6 {
			t.Fatalf("count %d, %v; want 6 active humans", n, err)
		}
	})
}

func TestRuleSourcesAreLimitedOnGitLabCom(t *testing.T) {
	t.Parallel()
	s := storetest.Any(t)
	w := newRuleWorld(t, s, 1, 5)
	other, _ := s.CreateGroup(context.Background(), tester, nil, models.GroupInput{Path: "other", Name: "Other"})
	for _, in := range []models.RuleInput{
		{SourceKind: "instance", Mode: "assign"},
		{SourceKind: "ldap_group", Source: "x", Mode: "assign"},
		{SourceKind: "group", Source: other.FullPath, Mode: "assign"},
		{SourceKind: "group", Source: "acme", Mode: "sometimes"},
		{SourceKind: "group", Source: "acme", Mode: "assign", Excluded: "ghost"},
	} {
		_, err := s.ChangeRule(context.Background(), tester, w.p.ID, models.RuleChange{Op: models.RuleCreate, Input: in}, false)
		var fe models.FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("%+v: %v, want field errors", in, err)
		}
	}
}

func TestLDAPRuleHoldsOnErrorsAndEmptyAnswers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s0 *models.Store) {
		ctx := context.Background()
		p := smEmptyPurchase(t, s0, 100)
		var names []string
		for i := 1; i <= 40; i++ {
			names = append(names, mkUser(t, s0, fmt.Sprintf("l%02d", i), models.StateActive, false).Username)
		}
		dir := &fakeDirectory{members: map[string][]string{"duo": names}}
		s := s0.WithDirectory(dir)
		if _, err := s.ChangeRule(ctx, tester, p.ID, models.RuleChange{Op: models.RuleCreate, Input: models.RuleInput{
			SourceKind: models.RuleSourceLDAPGroup, Source: "duo", Mode: models.RuleModeAssignRemove}}, false); err != nil {
			t.Fatal(err)
		}
		if n := len(holderNames(t, s, p)); n != 40 {
			t.Fatalf("%d seats", n)
		}
		// No directory at all (the 18.3 disaster): held, nothing removed.
		res, err := s0.SyncRules(ctx, models.Automation, p.ID, models.TriggerScheduled, true)
		if err != nil || res.Held == nil || len(holderNames(t, s0, p)) != 40 {
			t.Fatalf("without a directory: %+v %v", res, err)
		}
		// An LDAP error: held too (the same held run).
		dir.set("duo", names, errors.New("connection refused"))
		res, err = s.SyncRules(ctx, models.Automation, p.ID, models.TriggerScheduled, true)
		if err != nil || res.Held == nil || len(holderNames(t, s, p)) != 40 {
			t.Fatalf("on an LDAP error: %+v %v", res, err)
		}
		// An empty answer from a group that had 40 members: held with its
		// diff, even a Sync now a person asked for is only previewed.
		dir.set("duo", nil, nil)
		res, err = s.SyncRules(ctx, models.Automation, p.ID, models.TriggerScheduled, true)
		if err != nil || res.Held == nil || len(res.Diff.Losses) != 40 || len(holderNames(t, s, p)) != 40 {
			t.Fatalf("on an empty answer: %+v %v", res, err)
		}
		held, err := s.HeldRuns(ctx, p.ID)
		if err != nil || len(held) != 1 || held[0].Losses != 40 {
			t.Fatalf("held runs %+v %v (one per purchase)", held, err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_sync_held'"); n != 1 {
			t.Fatalf("%d held mails, want 1 (to the one administrator, once)", n)
		}
		// Approving accepts the empty answer.
		out, err := s.ApproveRun(ctx, tester, p.ID, held[0].ID)
		if err != nil || !out.Applied {
			t.Fatalf("approve %+v %v", out, err)
		}
		if n := len(holderNames(t, s, p)); n != 0 {
			t.Fatalf("%d seats left after approving", n)
		}
	})
}

func TestGuardHoldsApprovesAndDiscards(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newRuleWorld(t, s, 40, 50)
		w.addRule(t, platformDevs)
		if n := len(holderNames(t, s, w.p)); n != 41 {
			t.Fatalf("%d seats", n)
		}
		// 30 leave at once (as a directory or an import does): the hourly sync holds.
		db, _ := s.SQLDB()
		if _, err := db.Exec(`DELETE FROM members WHERE user_id IN (SELECT id FROM users WHERE username BETWEEN 'dev01' AND 'dev30')`); err != nil {
			t.Fatal(err)
		}
		res, err := s.SyncRules(ctx, models.Automation, w.p.ID, models.TriggerScheduled, true)
		if err != nil || res.Held == nil || res.Held.Losses != 30 {
			t.Fatalf("%+v %v", res, err)
		}
		if n := len(holderNames(t, s, w.p)); n != 41 {
			t.Fatalf("%d seats after a held run, want 41", n)
		}
		// Discard: nothing removed.
		if err := s.DiscardRun(ctx, tester, w.p.ID, res.Held.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DiscardRun(ctx, tester, w.p.ID, res.Held.ID); err == nil {
			t.Fatal("a discarded run was discarded again")
		}
		// Held again; then one more leaves before approval: the diff changed
		// and is shown again instead of applied.
		res, err = s.SyncRules(ctx, models.Automation, w.p.ID, models.TriggerScheduled, true)
		if err != nil || res.Held == nil {
			t.Fatalf("%+v %v", res, err)
		}
		if _, err := db.Exec(`DELETE FROM members WHERE user_id = $1`, w.users["dev31"].ID); err != nil {
			t.Fatal(err)
		}
		out, err := s.ApproveRun(ctx, tester, w.p.ID, res.Held.ID)
		if err != nil || out.Applied || len(out.Diff.Losses) != 31 {
			t.Fatalf("approve of a changed diff: %+v %v", out, err)
		}
		out, err = s.ApproveRun(ctx, tester, w.p.ID, res.Held.ID)
		if err != nil || !out.Applied {
			t.Fatalf("second approve: %+v %v", out, err)
		}
		if n := len(holderNames(t, s, w.p)); n != 10 {
			t.Fatalf("%d seats after approving, want 10", n)
		}
		// The limits are per purchase.
		if err := s.SetRemovalGuard(ctx, tester, w.p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 100}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DELETE FROM members WHERE user_id IN (SELECT id FROM users WHERE username BETWEEN 'dev32' AND 'dev40')`); err != nil {
			t.Fatal(err)
		}
		res, err = s.SyncRules(ctx, models.Automation, w.p.ID, models.TriggerScheduled, true)
		if err != nil || res.Held != nil || len(holderNames(t, s, w.p)) != 1 {
			t.Fatalf("under raised limits: %+v %v", res, err)
		}
	})
}

func TestHeldRunsExpireAfterSevenDays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newRuleWorld(t, s, 30, 40)
		w.addRule(t, platformDevs)
		db, _ := s.SQLDB()
		if _, err := db.Exec(`DELETE FROM members WHERE user_id IN (SELECT id FROM users WHERE username LIKE 'dev%')`); err != nil {
			t.Fatal(err)
		}
		res, err := s.SyncRules(ctx, models.Automation, w.p.ID, models.TriggerScheduled, true)
		if err != nil || res.Held == nil {
			t.Fatalf("%+v %v", res, err)
		}
		if n, err := s.ExpireHeldRuns(ctx, time.Now().Add(models.HeldRunLifetime-time.Hour)); err != nil || n != 0 {
			t.Fatalf("expired %d before 7 days, %v", n, err)
		}
		if _, err := db.Exec(`UPDATE seat_sync_runs SET expires_at = $1`, time.Now().UTC().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApproveRun(ctx, tester, w.p.ID, res.Held.ID); !errors.Is(err, models.ErrRunExpired) {
			t.Fatalf("approving an expired run: %v", err)
		}
		if n, err := s.ExpireHeldRuns(ctx, time.Now()); err != nil || n != 1 {
			t.Fatalf("expired %d, %v", n, err)
		}
		if n := len(holderNames(t, s, w.p)); n != 31 {
			t.Fatalf("%d seats after expiry, want 31 (nothing removed)", n)
		}
	})
}

func TestIneligibleJobIsGuarded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, _ := smPurchase(t, s, 30)
		db, _ := s.SQLDB()
		// Blocked behind the app's back (a directory sync, a script): the
		// job finds 30 ineligible seats of 30.
		if _, err := db.Exec(`UPDATE users SET state = 'blocked' WHERE username LIKE 'u%'`); err != nil {
			t.Fatal(err)
		}
		job, _ := models.JobByName("ineligible")
		if _, summary, err := s.RunJobNow(ctx, job, time.Now()); err != nil || summary != "removed 0 seat(s) of ineligible users from 1 purchase(s), 1 held for approval" {
			t.Fatalf("%q %v", summary, err)
		}
		held, err := s.HeldRuns(ctx, p.ID)
		if err != nil || len(held) != 1 || held[0].Kind != models.SyncKindIneligible {
			t.Fatalf("%+v %v", held, err)
		}
		if out, err := s.ApproveRun(ctx, tester, p.ID, held[0].ID); err != nil || !out.Applied {
			t.Fatalf("%+v %v", out, err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_assignments"); n != 0 {
			t.Fatalf("%d seats left", n)
		}
	})
}

// Two app instances on one Postgres process the same queued membership
// changes: each is applied once.
func TestRuleQueueIsAppliedOnceByTwoInstances(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	ctx := context.Background()
	w := newRuleWorld(t, a, 0, 100)
	w.addRule(t, platformDevs)
	db, _ := a.SQLDB()
	// 40 memberships arrive behind the app's back, with their queue rows,
	// as a change committed by an instance that died before applying it.
	for i := 1; i <= 40; i++ {
		u := mkUser(t, a, fmt.Sprintf("q%02d", i), models.StateActive, false)
		if _, err := db.Exec(`INSERT INTO members (user_id, source_type, source_id, access_level) VALUES ($1, 'Namespace', $2, 30)`, u.ID, w.platform.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO rule_sync_queue (user_id, created_at) VALUES ($1, now()), ($1, now())`, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			_, errs[i] = s.ProcessRuleQueue(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := sqlCount(t, a, "SELECT count(*) FROM seat_events WHERE event = 'gained' AND reason = 'rule'"); n != 41 {
		t.Fatalf("%d gained rows, want 41 (apidev and 40 queued, each once)", n)
	}
	if n := sqlCount(t, a, "SELECT count(*) FROM rule_sync_queue"); n != 0 {
		t.Fatalf("%d rows left in the queue", n)
	}
}
