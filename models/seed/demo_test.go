package seed_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/seed"
	"duoadmin/models/storetest"
)

var demoDay = models.NewDate(2026, time.June, 15)

func TestDemoDocumentIsDeterministic(t *testing.T) {
	t.Parallel()
	a, _ := json.Marshal(seed.DemoDocument(demoDay))
	b, _ := json.Marshal(seed.DemoDocument(demoDay))
	if string(a) != string(b) {
		t.Fatal("two demo documents for the same day differ")
	}
	c, _ := json.Marshal(seed.DemoDocument(demoDay.AddDays(1)))
	if string(a) == string(c) {
		t.Fatal("activity dates should follow the reference day")
	}
}

func inRange(t *testing.T, what string, n, lo, hi int) {
	t.Helper()
	if n < lo || n > hi {
		t.Errorf("%s = %d, want %d..%d", what, n, lo, hi)
	}
}

func TestSeedDemo(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		start := time.Now()
		res, err := seed.Demo(ctx, s, demoDay)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seeded in %v: %s", time.Since(start), res.Summary())
		inRange(t, "users", res.Count("users").Created, 280, 320)
		inRange(t, "groups", res.Count("groups").Created, 20, 30)
		inRange(t, "projects", res.Count("projects").Created, 35, 45)
		inRange(t, "members", res.Count("members").Created, 850, 1100)
		inRange(t, "group links", res.Count("group_links").Created, 2, 8)

		c, err := s.CountUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		inRange(t, "blocked", int(c.Blocked), 8, 12)
		inRange(t, "banned", int(c.Banned), 4, 6)
		inRange(t, "deactivated", int(c.Deactivated), 6, 10)
		inRange(t, "bots", int(c.Bots), 3, 10)
		inRange(t, "admins", int(c.Admins), 1, 3)
		inRange(t, "auditors", int(c.Auditors), 1, 3)

		// The four demo logins, with their roles; nobody else can sign in.
		users := map[string]*models.User{}
		for _, a := range seed.DemoAccounts {
			u, err := s.UserByUsername(ctx, a.Username)
			if err != nil {
				t.Fatalf("%s: %v", a.Username, err)
			}
			if !u.Active() || !u.PasswordMatches(seed.DemoPassword) {
				t.Fatalf("%s cannot sign in with the demo password", a.Username)
			}
			users[a.Username] = u
		}
		if !users["admin"].Admin || !users["support"].ReadOnlyEverywhere() || users["owner"].Admin || users["dev"].Admin ||
			users["dev"].Auditor || users["owner"].Auditor {
			t.Fatalf("demo roles wrong: %+v", users)
		}
		db, _ := s.SQLDB()
		var withPassword int
		if err := db.QueryRow("SELECT count(*) FROM users WHERE password_hash <> ''").Scan(&withPassword); err != nil {
			t.Fatal(err)
		}
		if withPassword != len(seed.DemoAccounts) {
			t.Fatalf("%d users have a password, want only the %d demo logins", withPassword, len(seed.DemoAccounts))
		}

		acme, err := s.GroupByFullPath(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		globex, _ := s.GroupByFullPath(ctx, "globex")
		partners, _ := s.GroupByFullPath(ctx, "partners")
		if acme.Name != "Acme Corp" || acme.Plan != models.PlanUltimate || globex.Plan != models.PlanPremium || partners.Plan != models.PlanFree {
			t.Fatalf("plans: acme %s, globex %s, partners %s", acme.Plan, globex.Plan, partners.Plan)
		}
		if st, _ := s.InstanceSettings(ctx); st.Plan != models.PlanUltimate {
			t.Fatalf("instance plan = %s", st.Plan)
		}
		for _, p := range []string{"acme/platform/backend/payments", "acme/data/ml/research", "globex/apps/mobile/ios"} {
			g, err := s.GroupByFullPath(ctx, p)
			if err != nil || g.Depth() != 4 {
				t.Fatalf("%s: %+v, %v", p, g, err)
			}
		}
		if owns, _ := s.OwnsGroup(ctx, users["owner"].ID, acme); !owns {
			t.Fatal("owner does not own acme")
		}
		if owns, _ := s.OwnsGroup(ctx, users["dev"].ID, acme); owns {
			t.Fatal("dev should be a plain developer")
		}
		invited, _ := s.InvitedGroups(ctx, mustGroup(t, s, "acme/platform").ID)
		if len(invited) != 1 || invited[0].FullPath != "partners" {
			t.Fatalf("acme/platform is shared with %+v", invited)
		}

		exp, err := orgfile.Export(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		levels, pending, devProjects, projectLinks := map[string]int{}, 0, 0, 0
		for _, m := range exp.Members {
			levels[m.AccessLevel]++
			if *m.Pending {
				pending++
			}
			if m.User == "dev" {
				if m.AccessLevel != "developer" || !strings.HasPrefix(m.Source, "acme/") {
					t.Fatalf("dev membership %+v", m)
				}
				devProjects++
			}
		}
		for _, l := range models.AccessLevels {
			if levels[l.Key()] == 0 {
				t.Errorf("no member is a %s", l.Key())
			}
		}
		if pending == 0 || devProjects < 2 {
			t.Fatalf("%d pending invites, dev in %d projects", pending, devProjects)
		}
		for _, l := range exp.GroupLinks {
			if l.SharedProject != "" && l.WithGroup == "partners" {
				projectLinks++
			}
		}
		if projectLinks != 1 {
			t.Fatalf("partners invited into %d projects, want 1", projectLinks)
		}
		never, recent := 0, 0
		for _, u := range exp.Users {
			if u.LastActivityOn.Value == nil {
				never++
				continue
			}
			d, _ := models.ParseDate(*u.LastActivityOn.Value)
			if demoDay.Before(d) || d.Before(demoDay.AddDays(-365)) {
				t.Fatalf("%s last active on %s", u.Username, d)
			}
			if u.State == models.StateActive && !d.Before(demoDay.AddDays(-89)) {
				recent++
			}
		}
		inRange(t, "users never active", never, 10, 60)
		inRange(t, "active users seen in the last 90 days", recent, 200, 300)

		if _, err := seed.Demo(ctx, s, demoDay); !errors.Is(err, models.ErrDatabaseNotEmpty) {
			t.Fatalf("second seed: %v", err)
		}
	})
}

func mustGroup(t *testing.T, s *models.Store, path string) *models.Group {
	t.Helper()
	g, err := s.GroupByFullPath(context.Background(), path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return g
}
