package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

type duoTree struct {
	a, ab, abc, x *models.Group
	projects      map[string]*models.Project
}

var tester = models.Actor{ID: 0, Username: "tester"}

// buildDuoTree: a > a/b > a/b/c, and an unrelated x; a project in each.
func buildDuoTree(t *testing.T, s *models.Store) duoTree {
	t.Helper()
	ctx := context.Background()
	mk := func(parent *models.Group, path string) *models.Group {
		in := models.GroupInput{Path: path, Name: path}
		if parent == nil {
			in.Plan = models.PlanUltimate
		}
		g, err := s.CreateGroup(ctx, tester, parent, in)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	tr := duoTree{projects: map[string]*models.Project{}}
	tr.a = mk(nil, "a")
	tr.ab = mk(tr.a, "b")
	tr.abc = mk(tr.ab, "c")
	tr.x = mk(nil, "x")
	for _, g := range []*models.Group{tr.a, tr.ab, tr.abc, tr.x} {
		p, err := s.CreateProject(ctx, tester, g, models.ProjectInput{Path: "p", Name: "P"})
		if err != nil {
			t.Fatal(err)
		}
		tr.projects[g.FullPath] = p
	}
	return tr
}

func groupState(t *testing.T, s *models.Store, g *models.Group) models.GroupDuoState {
	t.Helper()
	fresh, err := s.GroupByID(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.GroupDuo(context.Background(), fresh)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func projectState(t *testing.T, s *models.Store, p *models.Project) models.ProjectDuoState {
	t.Helper()
	fresh, err := s.ProjectByID(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.ProjectDuo(context.Background(), fresh)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGroupNeverOnCascadesAndLocksTheSubtree(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		// A descendant that opted out first: it is reset too.
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.abc, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		preview, err := s.PreviewGroupDuoChange(ctx, tr.ab, models.ChangeFor(models.NeverOn))
		if err != nil {
			t.Fatal(err)
		}
		// a/b/c's default_off already wrote false to it and its project, so
		// only a/b's own project changes.
		if preview.Subgroups != 0 || preview.Projects != 1 {
			t.Fatalf("preview = %+v, want 0 subgroups and 1 project", preview)
		}
		got, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.NeverOn)
		if err != nil {
			t.Fatal(err)
		}
		if got != preview {
			t.Fatalf("applied %+v, preview said %+v", got, preview)
		}
		if st := groupState(t, s, tr.ab); st.Availability() != models.NeverOn || st.Resolution.Locked() {
			t.Fatalf("a/b reads %s locked=%v", st.Availability(), st.Resolution.Locked())
		}
		c := groupState(t, s, tr.abc)
		if c.Availability() != models.NeverOn || !c.Resolution.Locked() || *c.Resolution.APILockedBy() != "a/b" {
			t.Fatalf("a/b/c = %s locked_by %v", c.Availability(), c.Resolution.APILockedBy())
		}
		if p := projectState(t, s, tr.projects["a/b/c"]); p.Resolution.Enabled || !p.Resolution.Locked() {
			t.Fatalf("project under a/b: %+v", p.Resolution)
		}
		// Siblings and ancestors are untouched.
		if st := groupState(t, s, tr.a); st.Availability() != models.DefaultOn {
			t.Fatalf("a = %s", st.Availability())
		}
		if p := projectState(t, s, tr.projects["x"]); !p.Resolution.Enabled {
			t.Fatal("x/p was changed")
		}
		// A locked descendant cannot change.
		_, err = s.SetGroupDuoAvailability(ctx, tester, tr.abc, models.DefaultOn)
		if !errors.Is(err, models.ErrLockedByAncestor) {
			t.Fatalf("change under lock: %v", err)
		}
		if err := s.SetProjectDuoEnabled(ctx, tester, tr.projects["a/b/c"], true); !errors.Is(err, models.ErrLockedByAncestor) {
			t.Fatalf("project change under lock: %v", err)
		}
	})
}

func TestLockingResetsDescendantLocks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.abc, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.a, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		// a's value change reset a/b/c's lock and value.
		if g, _ := s.GroupByID(ctx, tr.abc.ID); g.LockDuoFeaturesEnabled || g.DuoFeaturesEnabled == nil || *g.DuoFeaturesEnabled {
			t.Fatalf("a/b/c after a -> default_off: %+v", g)
		}
		// Lock-only change (off -> always off) resets locks below.
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.abc, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		var impact models.CascadeImpact
		if _, err := s.UpdateGroupDuo(ctx, tester, tr.abc, models.DuoChange{Lock: b(true)}, nil); err != nil {
			t.Fatal(err)
		}
		impact, err := s.SetGroupDuoAvailability(ctx, tester, tr.a, models.NeverOn)
		if err != nil {
			t.Fatal(err)
		}
		if impact.Subgroups != 1 {
			t.Fatalf("locking a should reset a/b/c's lock: %+v", impact)
		}
		if g, _ := s.GroupByID(ctx, tr.abc.ID); g.LockDuoFeaturesEnabled {
			t.Fatal("a/b/c still locked")
		}
	})
}

func TestInstanceLockBeatsGroupsAndInstanceValueReachesEveryone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		preview, err := s.PreviewInstanceDuoChange(ctx, models.NeverOn)
		if err != nil {
			t.Fatal(err)
		}
		impact, err := s.SetInstanceDuoAvailability(ctx, tester, models.NeverOn)
		if err != nil {
			t.Fatal(err)
		}
		// a and x inherit (NULL); a/b and a/b/c already store false. Projects
		// a/p and x/p were on; a/b's subtree was reset to off.
		if impact != preview || impact.Subgroups != 2 || impact.Projects != 2 {
			t.Fatalf("impact %+v, preview %+v", impact, preview)
		}
		for _, g := range []*models.Group{tr.a, tr.ab, tr.abc, tr.x} {
			st := groupState(t, s, g)
			if st.Availability() != models.NeverOn || *st.Resolution.APILockedBy() != "instance" {
				t.Fatalf("%s = %s", g.FullPath, st.Availability())
			}
			if _, err := s.SetGroupDuoAvailability(ctx, tester, g, models.DefaultOn); !errors.Is(err, models.ErrLockedByAncestor) {
				t.Fatalf("%s changed under the instance lock: %v", g.FullPath, err)
			}
		}
		// Back to on: every group and project takes true.
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.DefaultOn); err != nil {
			t.Fatal(err)
		}
		for path, p := range tr.projects {
			if st := projectState(t, s, p); !st.Resolution.Enabled {
				t.Fatalf("project %s still off", path)
			}
		}
		if st := groupState(t, s, tr.ab); st.Availability() != models.DefaultOn {
			t.Fatalf("a/b = %s after instance default_on", st.Availability())
		}
	})
}

func TestSavingInheritedValueKeepsNullAndDoesNotCascade(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if err := s.SetProjectDuoEnabled(ctx, tester, tr.projects["a/b/c"], false); err != nil {
			t.Fatal(err)
		}
		impact, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.DefaultOn)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := s.GroupByID(ctx, tr.ab.ID)
		if g.DuoFeaturesEnabled != nil || impact.Any() {
			t.Fatalf("a/b stored %v, impact %+v; want NULL and nothing reset", g.DuoFeaturesEnabled, impact)
		}
		if st := projectState(t, s, tr.projects["a/b/c"]); st.Resolution.Enabled {
			t.Fatal("an unchanged value must not reset descendants")
		}
		// No change, no audit event.
		evs, _ := s.RecentAuditEvents(ctx, 1)
		if evs[0].Action == "duo_availability_changed" && evs[0].TargetName == "a/b" {
			t.Fatalf("no-op wrote an audit event: %+v", evs[0])
		}
	})
}

func TestDuoChangeIsAudited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetGroupDuoAvailability(ctx, models.Actor{ID: 0, Username: "olivia"}, tr.a, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		evs, err := s.RecentAuditEvents(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		ev := evs[0]
		if ev.Action != "duo_availability_changed" || ev.TargetName != "a" || ev.ActorName != "olivia" {
			t.Fatalf("event %+v", ev)
		}
		var d struct {
			Availability struct{ Before, After string }    `json:"duo_availability"`
			Reset        struct{ Subgroups, Projects int } `json:"descendants_reset"`
		}
		if err := json.Unmarshal([]byte(ev.Details), &d); err != nil {
			t.Fatal(err)
		}
		if d.Availability.Before != "default_on" || d.Availability.After != "default_off" || d.Reset.Subgroups != 2 || d.Reset.Projects != 3 {
			t.Fatalf("details %s", ev.Details)
		}
	})
}

func TestNeverOnTurnsOffExperimentFeatures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		on := true
		if _, err := s.UpdateGroupDuo(ctx, tester, tr.a, models.ChangeFor(models.DefaultOn), &on); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.GroupByID(ctx, tr.a.ID); !g.ExperimentFeaturesEnabled {
			t.Fatal("experiment flag not saved")
		}
		if _, err := s.UpdateGroupDuo(ctx, tester, tr.a, models.ChangeFor(models.NeverOn), &on); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.GroupByID(ctx, tr.a.ID); g.ExperimentFeaturesEnabled {
			t.Fatal("Always off must turn experiment features off")
		}
	})
}
