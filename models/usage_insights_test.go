package models_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// insightsWorld: self-managed (Premium), a Duo Pro purchase of 10 seats
// that started 20 days ago, seven seat holders a–g, a user x without a
// seat, and top-level groups alpha (a, b) and beta (c, d).
func insightsWorld(t *testing.T, s *models.Store) (*models.AddOnPurchase, map[string]*models.User) {
	t.Helper()
	ctx := context.Background()
	db, _ := s.SQLDB()
	if _, err := db.Exec("UPDATE instance_settings SET plan = 'premium'"); err != nil {
		t.Fatal(err)
	}
	today := models.Today()
	start := today.AddDays(-20)
	p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: 10, StartedAt: &start, ExpiresOn: today.AddDays(300)})
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]*models.User{}
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "x"} {
		users[n] = mkUser(t, s, "user"+n, models.StateActive, false)
		if n != "x" {
			if _, err := s.AssignSeat(ctx, tester, p.ID, users[n].ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for gname, members := range map[string][]string{"alpha": {"a", "b"}, "beta": {"c", "d"}} {
		g, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: gname, Name: gname})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if _, err := s.AddMember(ctx, tester, models.GroupSource(g), users[m], models.Developer); err != nil {
				t.Fatal(err)
			}
		}
	}
	return p, users
}

func useAt(id, user, feature string, at time.Time) models.UsageEvent {
	return models.UsageEvent{ID: id, Username: user, Feature: feature, OccurredAt: at.UTC().Format(time.RFC3339)}
}

// The daily rows against a hand-computed fixture: a day the job did not
// run has no row (a gap, not a zero), the window starts at the purchase's
// start (20 days, not 90), and only seat holders' use counts.
func TestUsageSnapshotsAgainstHandComputedDays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, _ := insightsWorld(t, s)
		today := models.Today()
		at := func(days, hour int) time.Time { return today.AddDays(days).Time.Add(time.Duration(hour) * time.Hour) }
		res, err := s.ApplyUsageEvents(ctx, []models.UsageEvent{
			useAt("1", "usera", "code_suggestions", at(-2, 10)),
			useAt("2", "usera", "duo_chat", at(-2, 11)),
			useAt("3", "userb", "duo_chat", at(-2, 12)),
			useAt("4", "userc", "explain_code", at(-1, 9)), // the day without a snapshot
			useAt("5", "usera", "code_suggestions", at(0, 0)),
			useAt("6", "userx", "code_suggestions", at(0, 0)), // no seat: not counted
		})
		if err != nil || len(res.Rejected) > 0 {
			t.Fatalf("%v %+v", err, res)
		}
		if _, err := s.SnapshotUsage(ctx, at(-2, 23)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SnapshotUsage(ctx, at(0, 1)); err != nil {
			t.Fatal(err)
		}
		from, to := models.UsageWindow(p, today)
		if from != today.AddDays(-20) || to != today {
			t.Fatalf("window %s..%s, want the 21 days since the purchase started", from, to)
		}
		days, err := s.UsageDays(ctx, p.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, d := range days {
			got += fmt.Sprintf("%s p%d a%d act%d cs%d chat%d other%d\n", d.Day, d.Purchased, d.Assigned, d.Active, d.CodeSuggestionsUses, d.ChatUses, d.OtherUses)
		}
		want := fmt.Sprintf("%s p10 a7 act2 cs1 chat2 other0\n%s p10 a7 act1 cs1 chat0 other0\n", today.AddDays(-2), today)
		if got != want {
			t.Errorf("daily rows:\n%s\nwant:\n%s", got, want)
		}
		// A second run in the day replaces today's row; a late event for
		// yesterday lands in yesterday's row when it has one.
		if _, err := s.ApplyUsageEvents(ctx, []models.UsageEvent{useAt("7", "userd", "troubleshoot_job", at(0, 0))}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SnapshotUsage(ctx, at(1, 2)); err != nil {
			t.Fatal(err)
		}
		days, _ = s.UsageDays(ctx, p.ID, today, today)
		if len(days) != 1 || days[0].Active != 2 || days[0].OtherUses != 1 {
			t.Errorf("today after a late event: %+v, want 2 active and 1 other use", days)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_usage_snapshots"); n != 3 {
			t.Errorf("%d snapshot rows, want 3 (one per purchase and day)", n)
		}
	})
}

// Active shares, idle buckets and the per-group table on their boundaries.
func TestSeatActivityAndGroupUsage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users := insightsWorld(t, s)
		today := models.Today()
		db, _ := s.SQLDB()
		for n, ago := range map[string]int{"a": 0, "b": 6, "c": 7, "d": 30, "e": 60, "f": 90} {
			if _, err := db.Exec("UPDATE users SET last_duo_activity_on = $1 WHERE id = $2", today.AddDays(-ago).String(), users[n].ID); err != nil {
				t.Fatal(err)
			}
		}
		a, err := s.SeatActivity(ctx, p.ID, today)
		if err != nil {
			t.Fatal(err)
		}
		// a, b used within 7 days (today-6 included); a, b, c within 28.
		want := models.SeatActivity{Assigned: 7, Active7: 2, Active28: 3,
			Idle: models.IdleBuckets{Recent: 3, Never: 1, Idle30: 1, Idle60: 1, Idle90: 1, Holders: 7}}
		if a != want {
			t.Errorf("activity %+v\nwant     %+v", a, want)
		}
		page := models.Page{Number: 1, PerPage: 20}
		for sort, order := range map[string]string{"name": "alpha 2/2, beta 2/1", "idle": "beta 2/1, alpha 2/2", "active": "alpha 2/2, beta 2/1"} {
			gs, err := s.GroupUsagePage(ctx, p, today, sort, page)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for i, g := range gs.Items {
				if i > 0 {
					got += ", "
				}
				got += fmt.Sprintf("%s %d/%d", g.FullPath, g.Assigned, g.Active)
			}
			if got != order || gs.Total != 2 {
				t.Errorf("sort %s: %q (total %d), want %q", sort, got, gs.Total, order)
			}
		}
	})
}

// On GitLab.com the table is the group's direct subgroups, each counting
// its subtree (members of subgroups and projects below).
func TestGroupUsageSubgroupsOnGitLabCom(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 10)
		for _, n := range []string{"subdev", "projguest", "owner"} {
			if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users[n].ID); err != nil {
				t.Fatal(err)
			}
		}
		gs, err := s.GroupUsagePage(ctx, w.purchase, models.Today(), "name", models.Page{Number: 1, PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(gs.Items) != 1 || gs.Items[0].FullPath != "acme/sub" || gs.Items[0].Assigned != 2 || gs.Items[0].Active != 0 {
			t.Errorf("subgroups: %+v, want acme/sub with subdev and projguest", gs.Items)
		}
	})
}

// Memberships deep in a direct subgroup's subtree (subgroups and projects
// several levels down) count under that subgroup, a holder once per
// subgroup however many places they are in below it, and in each subgroup
// they belong to; the root's own members under none. Sorts and pages as the
// table asks.
func TestGroupUsageCountsDeepMembershipsUnderTheDirectSubgroup(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 20)
		group := func(parent *models.Group, path string) *models.Group {
			g, err := s.CreateGroup(ctx, tester, parent, models.GroupInput{Path: path, Name: strings.ToUpper(path)})
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		alpha := group(w.acme, "alpha")
		deep := group(group(alpha, "one"), "two")
		deepProject, err := s.CreateProject(ctx, tester, deep, models.ProjectInput{Path: "deepp", Name: "DeepP"})
		if err != nil {
			t.Fatal(err)
		}
		beta := group(w.acme, "beta")
		group(w.acme, "empty")
		holders := map[string]*models.User{}
		for _, n := range []string{"h1", "h2", "h3", "h4"} {
			holders[n] = mkUser(t, s, n, models.StateActive, false)
		}
		add := func(src models.Source, u string) {
			if _, err := s.AddMember(ctx, tester, src, holders[u], models.Developer); err != nil {
				t.Fatal(err)
			}
		}
		add(models.GroupSource(deep), "h1")                // alpha, three levels down
		add(models.ProjectSource(deepProject, deep), "h1") // and again below it: counted once
		add(models.ProjectSource(deepProject, deep), "h2") // alpha, through a project
		add(models.GroupSource(beta), "h2")                // and beta
		add(models.GroupSource(beta), "h3")                // beta only
		add(models.GroupSource(w.acme), "h4")              // the root: under no subgroup
		add(models.GroupSource(alpha), "h4")               // and alpha
		for _, n := range []string{"h1", "h2", "h3", "h4"} {
			if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, holders[n].ID); err != nil {
				t.Fatal(err)
			}
		}
		db, _ := s.SQLDB()
		if _, err := db.Exec("UPDATE users SET last_duo_activity_on = $1 WHERE id IN ($2, $3)", models.Today().AddDays(-2).String(), holders["h2"].ID, holders["h3"].ID); err != nil {
			t.Fatal(err)
		}
		type row struct {
			path             string
			assigned, active int64
		}
		page := func(sort string, number, per int) ([]row, int64) {
			t.Helper()
			gs, err := s.GroupUsagePage(ctx, w.purchase, models.Today(), sort, models.Page{Number: number, PerPage: per})
			if err != nil {
				t.Fatal(err)
			}
			var out []row
			for _, g := range gs.Items {
				out = append(out, row{g.FullPath, g.Assigned, g.Active})
			}
			return out, gs.Total
		}
		alphaRow, betaRow := row{"acme/alpha", 3, 1}, row{"acme/beta", 2, 2}
		if got, total := page("name", 1, 20); !slices.Equal(got, []row{alphaRow, betaRow}) || total != 2 {
			t.Errorf("by name: %v (total %d), want %v and %v", got, total, alphaRow, betaRow)
		}
		if got, _ := page("assigned", 1, 20); !slices.Equal(got, []row{alphaRow, betaRow}) {
			t.Errorf("by seats: %v", got)
		}
		if got, _ := page("active", 1, 20); !slices.Equal(got, []row{betaRow, alphaRow}) {
			t.Errorf("by active: %v", got)
		}
		if got, _ := page("idle", 1, 20); !slices.Equal(got, []row{alphaRow, betaRow}) {
			t.Errorf("by idle: %v", got)
		}
		if got, total := page("name", 2, 20); len(got) != 0 || total != 2 {
			t.Errorf("past the last page: %v (total %d), want none of 2", got, total)
		}
	})
}
