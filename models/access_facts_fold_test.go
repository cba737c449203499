package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/storetest"
)

// foldWorld exercises every path of the one statement AccessFacts runs:
//
//	alpha (Ultimate) > alpha/mid > alpha/mid/deep > project alpha/mid/deep/app
//	alpha > project alpha/top
//	Zeta (Premium) > project Zeta/z
//	free (Free) > free/f > project free/f/p
//	partners (Free), invited into alpha/mid
type foldWorld struct {
	users    map[string]*models.User
	groups   map[string]*models.Group
	projects map[string]*models.Project
	alphaPro *models.AddOnPurchase // Duo Enterprise on alpha
	zetaPro  *models.AddOnPurchase // Duo Pro on Zeta
}

func newFoldWorld(t *testing.T, s *models.Store) foldWorld {
	t.Helper()
	ctx := context.Background()
	w := foldWorld{users: map[string]*models.User{}, groups: map[string]*models.Group{}, projects: map[string]*models.Project{}}
	group := func(parent, path string, plan models.Plan) {
		var p *models.Group
		full := path
		if parent != "" {
			p, full = w.groups[parent], parent+"/"+path
		}
		g, err := s.CreateGroup(ctx, tester, p, models.GroupInput{Path: path, Name: path, Plan: plan})
		if err != nil {
			t.Fatal(err)
		}
		w.groups[full] = g
	}
	project := func(parent, path string) {
		p, err := s.CreateProject(ctx, tester, w.groups[parent], models.ProjectInput{Path: path, Name: path})
		if err != nil {
			t.Fatal(err)
		}
		w.projects[parent+"/"+path] = p
	}
	// Zeta first: its id comes before alpha's, its name after.
	group("", "Zeta", models.PlanPremium)
	group("", "alpha", models.PlanUltimate)
	group("alpha", "mid", "")
	group("alpha/mid", "deep", "")
	group("", "free", models.PlanFree)
	group("free", "f", "")
	group("", "partners", models.PlanFree)
	project("alpha/mid/deep", "app")
	project("alpha", "top")
	project("Zeta", "z")
	project("free/f", "p")
	for _, n := range []string{"proj", "guest", "multi", "partner", "mid", "outsider", "pending"} {
		w.users[n] = mkUser(t, s, n, models.StateActive, false)
	}
	member := func(user string, src models.Source, lvl models.AccessLevel) *models.Member {
		m, err := s.AddMember(ctx, tester, src, w.users[user], lvl)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	onGroup := func(p string) models.Source { return models.GroupSource(w.groups[p]) }
	onProject := func(p, g string) models.Source { return models.ProjectSource(w.projects[p], w.groups[g]) }
	member("proj", onProject("alpha/mid/deep/app", "alpha/mid/deep"), models.Developer)
	member("guest", onProject("alpha/top", "alpha"), models.Guest)
	member("guest", onProject("Zeta/z", "Zeta"), models.Developer)
	member("guest", onGroup("free/f"), models.Owner)
	member("multi", onProject("alpha/mid/deep/app", "alpha/mid/deep"), models.Guest)
	member("multi", onGroup("alpha/mid"), models.Reporter)
	member("partner", onGroup("partners"), models.Maintainer)
	member("mid", onGroup("alpha/mid"), models.Maintainer)
	pend := member("pending", onGroup("Zeta"), models.Developer)
	member("multi", onGroup("Zeta"), models.Developer)
	db, _ := s.SQLDB()
	if _, err := db.Exec("UPDATE members SET pending = true WHERE id = $1 OR (user_id = $2 AND source_id = $3 AND source_type = 'Namespace')",
		pend.ID, w.users["multi"].ID, w.groups["Zeta"].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroupLink(ctx, tester, w.groups["alpha/mid"], w.groups["partners"], models.Developer); err != nil {
		t.Fatal(err)
	}
	var err error
	w.alphaPro, err = s.CreatePurchase(ctx, tester, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise,
		NamespaceID: &w.groups["alpha"].ID, Quantity: 10, ExpiresOn: models.Today().AddDays(300)})
	if err != nil {
		t.Fatal(err)
	}
	later := models.Today().AddDays(10)
	w.zetaPro, err = s.CreatePurchase(ctx, tester, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		NamespaceID: &w.groups["Zeta"].ID, Quantity: 10, StartedAt: &later, ExpiresOn: models.Today().AddDays(300)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// seat gives a user a seat directly: the facts, not the assignment rules,
// are under test (Zeta's purchase has not started yet).
func (w foldWorld) seat(t *testing.T, s *models.Store, p *models.AddOnPurchase, user string) {
	t.Helper()
	db, _ := s.SQLDB()
	if _, err := db.Exec("INSERT INTO seat_assignments (add_on_purchase_id, user_id) VALUES ($1, $2)", p.ID, w.users[user].ID); err != nil {
		t.Fatal(err)
	}
}

func TestAccessFactsSubjectFacts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newFoldWorld(t, s)
		if err := s.SetGroupDuoCore(ctx, tester, w.groups["Zeta"], true); err != nil {
			t.Fatal(err)
		}
		w.seat(t, s, w.alphaPro, "guest")
		w.seat(t, s, w.zetaPro, "guest")
		w.seat(t, s, w.alphaPro, "partner")
		paid := func(pairs ...any) []access.PaidGroup {
			var out []access.PaidGroup
			for i := 0; i < len(pairs); i += 3 {
				out = append(out, access.PaidGroup{Path: pairs[i].(string), NonGuest: pairs[i+1].(bool), DuoCore: pairs[i+2].(bool)})
			}
			return out
		}
		cases := []struct {
			user string
			want []access.PaidGroup
		}{
			// A project membership deep down makes the top-level group theirs.
			{"proj", paid("alpha", true, false)},
			// Paid groups come in lower(path) order; a Guest is not NonGuest;
			// a free group does not count however high the role.
			{"guest", paid("alpha", false, false, "Zeta", true, true)},
			// The best role across memberships of one hierarchy; a pending
			// membership does not count.
			{"multi", paid("alpha", true, false)},
			// Only a seat: through an invited group.
			{"partner", paid("alpha", false, false)},
			{"mid", paid("alpha", true, false)},
			{"outsider", nil},
			{"pending", nil},
		}
		for _, c := range cases {
			f, err := s.AccessFacts(ctx, models.GitLabCom, w.users[c.user], models.ResourceRef{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.PaidGroups, c.want) {
				t.Errorf("%s: paid groups %+v, want %+v", c.user, f.PaidGroups, c.want)
			}
		}

		// Seats: in purchase order, with their group and whether the
		// purchase is active.
		f, err := s.AccessFacts(ctx, models.GitLabCom, w.users["guest"], models.ResourceRef{})
		if err != nil {
			t.Fatal(err)
		}
		want := []access.Seat{
			{Tier: access.TierDuoEnterprise, Namespace: "alpha", Active: true, ExpiresOn: w.alphaPro.ExpiresOn.Time},
			{Tier: access.TierDuoPro, Namespace: "Zeta", Active: false, ExpiresOn: w.zetaPro.ExpiresOn.Time},
		}
		if !reflect.DeepEqual(f.Seats, want) {
			t.Errorf("guest's seats %+v, want %+v", f.Seats, want)
		}

		// Self-managed: the instance's seats only, and no paid groups.
		if err := s.SetInstancePlan(ctx, tester, models.PlanUltimate); err != nil {
			t.Fatal(err)
		}
		inst, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			Quantity: 5, ExpiresOn: models.Today().AddDays(30)})
		if err != nil {
			t.Fatal(err)
		}
		w.seat(t, s, inst, "guest")
		f, err = s.AccessFacts(ctx, models.SelfManaged, w.users["guest"], models.ResourceRef{})
		if err != nil {
			t.Fatal(err)
		}
		want = []access.Seat{{Tier: access.TierDuoPro, Namespace: "", Active: true, ExpiresOn: inst.ExpiresOn.Time}}
		if !reflect.DeepEqual(f.Seats, want) || f.PaidGroups != nil || !f.InstancePaidPlan {
			t.Errorf("self-managed facts %+v", f)
		}
		f, err = s.AccessFacts(ctx, models.GitLabCom, w.users["guest"], models.ResourceRef{})
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Seats) != 2 {
			t.Errorf("GitLab.com lists the instance's seat: %+v", f.Seats)
		}
	})
}

func TestAccessFactsAsMember(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newFoldWorld(t, s)
		group := func(p string) models.ResourceRef { return models.ResourceRef{Kind: access.ResourceGroup, Path: p} }
		project := func(p string) models.ResourceRef { return models.ResourceRef{Kind: access.ResourceProject, Path: p} }
		cases := []struct {
			user string
			ref  models.ResourceRef
			want bool
		}{
			{"proj", project("alpha/mid/deep/app"), true},
			{"proj", project("ALPHA/Mid/Deep/App"), true},
			{"proj", group("alpha/mid/deep"), false}, // a project's member does not see its group
			{"proj", project("alpha/top"), false},
			{"mid", group("alpha/mid"), true},
			{"mid", group("alpha/mid/deep"), true},       // through the parent
			{"mid", project("alpha/mid/deep/app"), true}, // through the grandparent
			{"mid", group("alpha"), false},               // not up
			{"mid", project("alpha/top"), false},
			{"multi", project("alpha/mid/deep/app"), true},
			{"multi", group("Zeta"), false}, // pending
			{"multi", project("Zeta/z"), false},
			{"guest", group("free/f"), true},
			{"guest", project("free/f/p"), true},
			{"guest", group("free"), false},
			{"partner", group("alpha/mid"), false}, // invited groups do not count
			{"partner", project("alpha/mid/deep/app"), false},
			{"partner", group("partners"), true},
			{"outsider", project("alpha/mid/deep/app"), false},
			{"mid", project("alpha/nope"), false},
			{"mid", group("nope"), false},
		}
		for _, c := range cases {
			name := fmt.Sprintf("%s on %s %s", c.user, c.ref.Kind, c.ref.Path)
			f, err := s.AccessFactsAsMember(ctx, models.GitLabCom, w.users[c.user], c.ref)
			if c.want && err != nil || !c.want && !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s: %v, want seen %v", name, err, c.want)
				continue
			}
			member, err := s.MemberOfResource(ctx, w.users[c.user].ID, c.ref)
			if err != nil || member != c.want {
				t.Errorf("%s: MemberOfResource %v %v, want %v", name, member, err, c.want)
			}
			// Who asks does not change the facts, only whether they are told.
			all, err := s.AccessFacts(ctx, models.GitLabCom, w.users[c.user], c.ref)
			if c.want && !reflect.DeepEqual(f, all) {
				t.Errorf("%s: facts as a member %+v, as an admin sees them %+v", name, f, all)
			}
			missing := c.ref.Path == "alpha/nope" || c.ref.Path == "nope"
			if missing != errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s: AccessFacts error %v", name, err)
			}
		}
		// A project's and a group's ids are separate sequences: proj's
		// membership of project app must not count for the group that
		// shares its id.
		app := w.projects["alpha/mid/deep/app"]
		var twin *models.Group
		for _, g := range w.groups {
			if g.ID == app.ID {
				twin = g
			}
		}
		if twin == nil {
			t.Fatalf("fixture: no group has project app's id %d", app.ID)
		}
		if _, err := s.AccessFactsAsMember(ctx, models.GitLabCom, w.users["proj"], group(twin.FullPath)); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("proj sees group %s (id %d, as project app): %v", twin.FullPath, twin.ID, err)
		}
	})
}

// The resource's effective setting agrees with the duo_settings screens',
// which load the chain their own way, through settings at every level.
func TestAccessFactsResourceMatchesDuoSettings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newFoldWorld(t, s)
		inherit := models.DuoChange{SetEnabled: true}
		steps := []struct {
			name string
			do   func() error
		}{
			{"defaults", func() error { return nil }},
			{"alpha off by default", func() error {
				_, err := s.SetGroupDuoAvailability(ctx, tester, w.group(t, s, "alpha"), models.DefaultOff)
				return err
			}},
			{"mid on, deep inherits", func() error {
				if _, err := s.SetGroupDuoAvailability(ctx, tester, w.group(t, s, "alpha/mid"), models.DefaultOn); err != nil {
					return err
				}
				_, err := s.UpdateGroupDuo(ctx, tester, w.group(t, s, "alpha/mid/deep"), inherit, nil)
				return err
			}},
			{"mid inherits too", func() error {
				_, err := s.UpdateGroupDuo(ctx, tester, w.group(t, s, "alpha/mid"), inherit, nil)
				return err
			}},
			{"project app off", func() error {
				return s.SetProjectDuoEnabled(ctx, tester, w.projects["alpha/mid/deep/app"], false)
			}},
			{"mid always off", func() error {
				_, err := s.SetGroupDuoAvailability(ctx, tester, w.group(t, s, "alpha/mid"), models.NeverOn)
				return err
			}},
			{"alpha always off", func() error {
				_, err := s.SetGroupDuoAvailability(ctx, tester, w.group(t, s, "alpha"), models.NeverOn)
				return err
			}},
			{"alpha on, deep off", func() error {
				if _, err := s.SetGroupDuoAvailability(ctx, tester, w.group(t, s, "alpha"), models.DefaultOn); err != nil {
					return err
				}
				_, err := s.SetGroupDuoAvailability(ctx, tester, w.group(t, s, "alpha/mid/deep"), models.DefaultOff)
				return err
			}},
			{"instance always off", func() error {
				_, err := s.SetInstanceDuoAvailability(ctx, tester, models.NeverOn)
				return err
			}},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			for _, path := range []string{"alpha", "alpha/mid", "alpha/mid/deep"} {
				g := w.group(t, s, path)
				want, err := s.GroupDuo(ctx, g)
				if err != nil {
					t.Fatal(err)
				}
				w.checkResource(t, s, st.name, models.ResourceRef{Kind: access.ResourceGroup, Path: path}, want.Resolution)
			}
			for _, path := range []string{"alpha/mid/deep/app", "alpha/top"} {
				p, err := s.ProjectByID(ctx, w.projects[path].ID)
				if err != nil {
					t.Fatal(err)
				}
				want, err := s.ProjectDuo(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				w.checkResource(t, s, st.name, models.ResourceRef{Kind: access.ResourceProject, Path: path}, want.Resolution)
			}
		}
	})
}

func (w foldWorld) group(t *testing.T, s *models.Store, path string) *models.Group {
	t.Helper()
	g, err := s.GroupByID(context.Background(), w.groups[path].ID)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (w foldWorld) checkResource(t *testing.T, s *models.Store, step string, ref models.ResourceRef, want models.DuoResolution) {
	t.Helper()
	f, err := s.AccessFacts(context.Background(), models.GitLabCom, w.users["outsider"], ref)
	if err != nil {
		t.Fatalf("%s: %s: %v", step, ref.Path, err)
	}
	got := f.Resource
	if got.Kind != ref.Kind || got.Path != ref.Path || got.DuoEnabled != want.Enabled || got.Why != want.SourceLabel() {
		t.Errorf("%s: %s %s: %+v, want enabled %v, %q", step, ref.Kind, ref.Path, got, want.Enabled, want.SourceLabel())
	}
}
