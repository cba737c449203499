package models_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// auditTree: acme with subgroups s_b (and s_b/deep, project s_b/proj) and
// sxb — a sibling whose path s_b's LIKE would match if "_" were a wildcard
// — and widgets, another top-level group. ann joins s_b/proj, bob sxb.
type auditTree struct {
	acme, sb, deep, sxb, widgets *models.Group
	proj                         *models.Project
	ann, bob, admin              *models.User
}

func buildAuditTree(t *testing.T, s *models.Store) auditTree {
	t.Helper()
	ctx := context.Background()
	var tr auditTree
	var err error
	sys := models.Actor{Username: "test"}
	mk := func(name string, admin bool) *models.User {
		u, err := s.CreateUser(ctx, sys, models.UserInput{Username: name, Name: name, Email: name + "@example.com", Admin: admin})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tr.admin, tr.ann, tr.bob = mk("root", true), mk("ann", false), mk("bob", false)
	actor := models.ActorFor(tr.admin)
	group := func(parent *models.Group, path string) *models.Group {
		in := models.GroupInput{Path: path, Name: path}
		if parent == nil {
			in.Plan = models.PlanUltimate
		}
		g, err := s.CreateGroup(ctx, actor, parent, in)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	tr.acme = group(nil, "acme")
	tr.sb = group(tr.acme, "s_b")
	tr.deep = group(tr.sb, "deep")
	tr.sxb = group(tr.acme, "sxb")
	tr.widgets = group(nil, "widgets")
	if tr.proj, err = s.CreateProject(ctx, actor, tr.sb, models.ProjectInput{Path: "proj", Name: "Proj"}); err != nil {
		t.Fatal(err)
	}
	if _, err = s.AddMember(ctx, actor, models.ProjectSource(tr.proj, tr.sb), tr.ann, models.Developer); err != nil {
		t.Fatal(err)
	}
	if _, err = s.AddMember(ctx, actor, models.GroupSource(tr.sxb), tr.bob, models.Developer); err != nil {
		t.Fatal(err)
	}
	if _, err = s.AddMember(ctx, actor, models.GroupSource(tr.widgets), tr.bob, models.Developer); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePurchase(ctx, actor, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro, NamespaceID: &tr.acme.ID,
		Quantity: 5, ExpiresOn: models.Today().AddDays(30), PurchaseXID: "A-S-acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssignSeat(ctx, actor, p.ID, tr.bob.ID); err != nil {
		t.Fatal(err)
	}
	return tr
}

// summary is each event as "action target", sorted, for comparisons.
func summary(evs []models.AuditEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Action + " " + e.TargetName
	}
	sort.Strings(out)
	return out
}

func listAll(t *testing.T, s *models.Store, f models.AuditFilter) []models.AuditEvent {
	t.Helper()
	evs, total, err := s.AuditEvents(context.Background(), f, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if int(total) != len(evs) {
		t.Fatalf("total %d, listed %d", total, len(evs))
	}
	return evs
}

func TestAuditScopeOfAGroupIsItsHierarchy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		tr := buildAuditTree(t, s)
		top := summary(listAll(t, s, models.AuditFilter{Scope: tr.acme}))
		want := []string{"add_on_purchase_created duo_pro", "group_created acme", "group_created acme/s_b",
			"group_created acme/s_b/deep", "group_created acme/sxb", "member_added ann", "member_added bob",
			"project_created acme/s_b/proj", "seat_assigned bob"}
		if !slices.Equal(top, want) {
			t.Errorf("acme's events:\n got %q\nwant %q", top, want)
		}
		// The subgroup: its own groups and projects and their memberships;
		// not the sibling sxb (nor its member), not the seat of acme.
		sub := summary(listAll(t, s, models.AuditFilter{Scope: tr.sb}))
		want = []string{"group_created acme/s_b", "group_created acme/s_b/deep", "member_added ann", "project_created acme/s_b/proj"}
		if !slices.Equal(sub, want) {
			t.Errorf("acme/s_b's events:\n got %q\nwant %q", sub, want)
		}
		// The group filter is the same rule, and combines with a page's scope.
		byPath := summary(listAll(t, s, models.AuditFilter{GroupPath: "acme/s_b"}))
		if !slices.Equal(byPath, want) {
			t.Errorf("group=acme/s_b:\n got %q\nwant %q", byPath, want)
		}
		if evs := listAll(t, s, models.AuditFilter{Scope: tr.acme, GroupPath: "widgets"}); len(evs) != 0 {
			t.Errorf("widgets inside acme's page: %q", summary(evs))
		}
		if evs := listAll(t, s, models.AuditFilter{GroupPath: "nope"}); len(evs) != 0 {
			t.Errorf("an unknown group matched %d events", len(evs))
		}
		// Users' own events belong to no group.
		for _, e := range listAll(t, s, models.AuditFilter{Scope: tr.widgets}) {
			if e.Action == "user_created" {
				t.Errorf("widgets shows %s", e.Action)
			}
		}
	})
}

func TestAuditFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildAuditTree(t, s)
		if got := summary(listAll(t, s, models.AuditFilter{TargetUsername: "bob"})); !slices.Equal(got,
			[]string{"member_added bob", "member_added bob", "seat_assigned bob", "user_created bob"}) {
			t.Errorf("target bob: %q", got)
		}
		if evs := listAll(t, s, models.AuditFilter{TargetUsername: "nobody"}); len(evs) != 0 {
			t.Errorf("unknown target matched %d", len(evs))
		}
		byRoot := listAll(t, s, models.AuditFilter{ActorUsername: "root"})
		byTest := listAll(t, s, models.AuditFilter{ActorUsername: "test"})
		all := listAll(t, s, models.AuditFilter{})
		if len(byRoot)+len(byTest) != len(all) || len(byTest) != 3 {
			t.Errorf("actors: root %d + test %d, all %d", len(byRoot), len(byTest), len(all))
		}
		// Automation has a name and no account.
		if err := s.Audit(ctx, models.Automation, models.AuditEntry{Action: "seat_unassigned", TargetType: "User",
			TargetID: tr.bob.ID, TargetName: "bob", NamespaceID: &tr.acme.ID, Details: map[string]any{"reason": "user_blocked"}}); err != nil {
			t.Fatal(err)
		}
		if got := summary(listAll(t, s, models.AuditFilter{ActorUsername: "GitLab Duo automation"})); !slices.Equal(got, []string{"seat_unassigned bob"}) {
			t.Errorf("automation: %q", got)
		}
		if got := summary(listAll(t, s, models.AuditFilter{Actions: []string{"group_created"}, Scope: tr.sb})); len(got) != 2 {
			t.Errorf("group_created in s_b: %q", got)
		}
		// Dates: move two events into the past and filter around them.
		db, _ := s.SQLDB()
		old := time.Date(2024, 3, 10, 23, 59, 59, 0, time.UTC)
		older := time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC)
		if _, err := db.Exec("UPDATE audit_events SET created_at = $1 WHERE action = 'group_created' AND target_name = 'widgets'", old); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("UPDATE audit_events SET created_at = $1 WHERE action = 'user_created' AND target_name = 'ann'", older); err != nil {
			t.Fatal(err)
		}
		day := func(y int, m time.Month, d int) *time.Time { v := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); return &v }
		got := summary(listAll(t, s, models.AuditFilter{Since: day(2024, 3, 10), Before: day(2024, 3, 11)}))
		if !slices.Equal(got, []string{"group_created widgets"}) {
			t.Errorf("on 2024-03-10: %q", got)
		}
		got = summary(listAll(t, s, models.AuditFilter{Before: day(2024, 3, 11)}))
		if !slices.Equal(got, []string{"group_created widgets", "user_created ann"}) {
			t.Errorf("before 2024-03-11: %q", got)
		}
		if n := len(listAll(t, s, models.AuditFilter{Since: day(2024, 3, 11)})); n != len(all)-1 {
			t.Errorf("since 2024-03-11: %d, want %d", n, len(all)-1)
		}
	})
}

func TestAuditPagesAndStreamNewestFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		n := models.AuditExportBatch*2 + 17
		insertAuditEvents(t, s, n)
		page, err := s.AuditEventsPage(ctx, models.AuditFilter{Actions: []string{"feature_flag_changed"}}, models.Page{Number: 3, PerPage: 50})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != int64(n) || len(page.Items) != 50 || page.TotalPages() != (n+49)/50 {
			t.Fatalf("page 3: total %d, items %d, pages %d", page.Total, len(page.Items), page.TotalPages())
		}
		var ids []int64
		err = s.EachAuditEvent(ctx, models.AuditFilter{Actions: []string{"feature_flag_changed"}}, func(e *models.AuditEvent) error {
			ids = append(ids, e.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != n {
			t.Fatalf("streamed %d, want %d", len(ids), n)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] >= ids[i-1] {
				t.Fatalf("not newest first at %d: %d then %d", i, ids[i-1], ids[i])
			}
		}
		if page.Items[0].ID != ids[100] {
			t.Errorf("page 3 starts at %d, the stream's 101st is %d", page.Items[0].ID, ids[100])
		}
	})
}

// insertAuditEvents writes n feature_flag_changed events in one statement.
func insertAuditEvents(t testing.TB, s *models.Store, n int) {
	t.Helper()
	db, _ := s.SQLDB()
	q := `INSERT INTO audit_events (actor_name, action, target_type, target_name, details, created_at)
		SELECT 'root', 'feature_flag_changed', 'FeatureFlag', 'flag_' || g, '{"enabled":{"before":false,"after":true}}', $1
		FROM generate_series(1, $2) AS g`
	if s.Dialect() == models.SQLite {
		q = `WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < $2)
			INSERT INTO audit_events (actor_name, action, target_type, target_name, details, created_at)
			SELECT 'root', 'feature_flag_changed', 'FeatureFlag', 'flag_' || x, '{"enabled":{"before":false,"after":true}}', $1 FROM g`
	}
	if _, err := db.Exec(q, time.Now().UTC(), n); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkEachAuditEvent100k(b *testing.B) {
	s := storetest.SQLite(b)
	insertAuditEvents(b, s, 100000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := s.EachAuditEvent(ctx, models.AuditFilter{}, func(*models.AuditEvent) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 100000 {
			b.Fatalf("streamed %d", n)
		}
	}
}

// TestEveryWrittenActionIsFilterable: the action select lists every
// action the Store writes.
func TestEveryWrittenActionIsFilterable(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	pats := []*regexp.Regexp{
		regexp.MustCompile(`Action:\s*"([a-z_]+)"`),
		regexp.MustCompile(`auditUsers\([^,]+,[^,]+,\s*"([a-z_]+)"`),
		regexp.MustCompile(`auditPurchase\(ctx,\s*"([a-z_]+)"`),
	}
	found := 0
	for _, f := range files {
		if filepath.Ext(f) != ".go" || len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range pats {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				found++
				if !slices.Contains(models.AuditActions, m[1]) {
					t.Errorf("%s writes action %q: add it to models.AuditActions", f, m[1])
				}
			}
		}
	}
	if found < 20 {
		t.Fatalf("found only %d audit writes: the patterns are stale", found)
	}
}
