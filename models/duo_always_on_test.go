package models_test

import (
	"context"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/orgfile"
	"duoadmin/models/storetest"
)

// Always on (#21): stored as (true, locked); it cascades and locks as
// Always off does, with value true.

func TestAlwaysOnOffered(t *testing.T) {
	t.Parallel()
	top := &models.Group{ID: 1}
	parent := int64(1)
	sub := &models.Group{ID: 2, ParentID: &parent}
	cases := []struct {
		d    models.Deployment
		g    *models.Group
		want bool
	}{
		{models.SelfManaged, nil, true}, {models.SelfManaged, top, false}, {models.SelfManaged, sub, false},
		{models.GitLabCom, nil, false}, {models.GitLabCom, top, true}, {models.GitLabCom, sub, false},
	}
	for _, c := range cases {
		if got := models.AlwaysOnOffered(c.d, c.g); got != c.want {
			t.Errorf("AlwaysOnOffered(%s, %+v) = %v, want %v", c.d, c.g, got, c.want)
		}
	}
	if a, err := models.ParseAvailability("always_on"); err != nil || a != models.AlwaysOn || a.Title() != "Always on" {
		t.Fatalf("always_on parses as %q, %v", a, err)
	}
	if e, l := models.AlwaysOn.Stored(); !e || !l {
		t.Fatalf("Always on stored as (%v,%v)", e, l)
	}
}

func TestInstanceAlwaysOnCascadesAndLocks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		// Every group and project is off; Always on resets all of them.
		n, err := s.PreviewInstanceDuoChange(ctx, models.AlwaysOn)
		if err != nil || n.Subgroups != 4 || n.Projects != 4 {
			t.Fatalf("preview: %+v, %v", n, err)
		}
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.AlwaysOn); err != nil {
			t.Fatal(err)
		}
		st, _ := s.InstanceSettings(ctx)
		if !st.DuoFeaturesEnabled || !st.LockDuoFeaturesEnabled ||
			models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) != models.AlwaysOn {
			t.Fatalf("instance stored (%v,%v)", st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled)
		}
		for _, g := range []*models.Group{tr.a, tr.ab, tr.abc, tr.x} {
			gs := groupState(t, s, g)
			if gs.Availability() != models.AlwaysOn || !gs.Resolution.Enabled || gs.Resolution.APILockedBy() == nil ||
				*gs.Resolution.APILockedBy() != "instance" || gs.Group.LockDuoFeaturesEnabled {
				t.Fatalf("%s: %s, %+v", g.FullPath, gs.Availability(), gs.Resolution)
			}
			// Every option is refused with the lock error, Always off too.
			for _, a := range models.AllAvailabilities {
				_, err := s.SetGroupDuoAvailability(ctx, tester, g, a)
				wantLocked(t, g.FullPath+" "+string(a), err)
			}
		}
		for path, p := range tr.projects {
			ps := projectState(t, s, p)
			if !ps.Resolution.Enabled || !ps.Resolution.Locked() || ps.Resolution.LockSource() != "instance" {
				t.Fatalf("project %s: %+v", path, ps.Resolution)
			}
			wantLocked(t, "project "+path, s.SetProjectDuoEnabled(ctx, tester, p, false))
		}
	})
}

func TestGroupAlwaysOnCascadesAndLocksItsSubtree(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.a, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		n, err := s.SetGroupDuoAvailability(ctx, tester, tr.a, models.AlwaysOn)
		// a/b and a/b/c, and the three projects below a, take true.
		if err != nil || n.Subgroups != 2 || n.Projects != 3 {
			t.Fatalf("Always on at a: %+v, %v", n, err)
		}
		if gs := groupState(t, s, tr.a); gs.Availability() != models.AlwaysOn || !gs.Resolution.LockedBySelf ||
			gs.Resolution.SourceLabel() != "Set here" || gs.Resolution.LockSource() != "a" {
			t.Fatalf("a: %s %+v", gs.Availability(), gs.Resolution)
		}
		for _, g := range []*models.Group{tr.ab, tr.abc} {
			gs := groupState(t, s, g)
			if gs.Availability() != models.AlwaysOn || gs.Resolution.SourceLabel() != "Enforced by a" || gs.Group.LockDuoFeaturesEnabled {
				t.Fatalf("%s: %s %q", g.FullPath, gs.Availability(), gs.Resolution.SourceLabel())
			}
			_, err := s.SetGroupDuoAvailability(ctx, tester, g, models.NeverOn)
			wantLocked(t, g.FullPath, err)
		}
		wantLocked(t, "a/b/c/p", s.SetProjectDuoEnabled(ctx, tester, tr.projects["a/b/c"], false))
		if ps := projectState(t, s, tr.projects["x"]); !ps.Resolution.Enabled || ps.Resolution.Locked() {
			t.Fatalf("x/p is outside: %+v", ps.Resolution)
		}
		// Always on keeps the experiment switch as it is; Always off turns it off.
		if _, err := s.UpdateGroupDuo(ctx, tester, tr.a, models.DuoChange{}, ptrBool(true)); err != nil {
			t.Fatal(err)
		}
		if gs := groupState(t, s, tr.a); !gs.Group.ExperimentFeaturesEnabled {
			t.Fatal("experiment switch refused under Always on")
		}
		// Back to On by default releases the subtree.
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.a, models.DefaultOn); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.DefaultOff); err != nil {
			t.Fatalf("released subgroup: %v", err)
		}
	})
}

func ptrBool(b bool) *bool { return &b }

// The access decision under Always on: the resource is "Duo features
// enabled", locked by its source; a seat (or Duo Core) is still needed.
func TestAccessUnderAlwaysOnStillNeedsASeat(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 5)
		cs, _ := access.FeatureByID("code_suggestions")
		if _, err := s.SetGroupDuoAvailability(ctx, tester, w.acme, models.AlwaysOn); err != nil {
			t.Fatal(err)
		}
		ref := models.ResourceRef{Kind: access.ResourceProject, Path: "acme/sub/p"}
		decide := func(user string) access.Decision {
			t.Helper()
			f, err := s.AccessFacts(ctx, models.GitLabCom, w.users[user], ref)
			if err != nil {
				t.Fatal(err)
			}
			return access.Decide(f, cs, access.ContextIDE)
		}
		if d := decide("subdev"); d.Allowed || d.Reason != access.ReasonNoSeat {
			t.Fatalf("Always on granted a seat: %+v", d)
		}
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["subdev"].ID); err != nil {
			t.Fatal(err)
		}
		d := decide("subdev")
		last := d.Path[len(d.Path)-1]
		if !d.Allowed || last.Node != "R2" || last.Answer != "Yes — Always on: Enforced by acme" || d.LockSource != "acme" {
			t.Fatalf("with a seat under Always on: %+v", d)
		}
	})
}

// Import and export carry always_on: an export imports back.
func TestAlwaysOnImportExport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustImport(t, s, parseString(t, `{"instance": {"duo_availability": "always_on"},
			"groups": [{"path": "a", "name": "a", "duo_availability": "always_on"}, {"path": "a/b", "name": "b"}],
			"projects": [{"path": "a/b/p", "name": "P"}]}`))
		a, _ := s.GroupByFullPath(ctx, "a")
		if gs := groupState(t, s, a); gs.Availability() != models.AlwaysOn {
			t.Fatalf("imported a is %s", gs.Availability())
		}
		doc, err := orgfile.Export(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if doc.Instance.DuoAvailability != models.AlwaysOn || doc.Groups[0].DuoAvailability != models.AlwaysOn {
			t.Fatalf("export: instance %s, a %s", doc.Instance.DuoAvailability, doc.Groups[0].DuoAvailability)
		}
		if _, err := orgfile.Import(ctx, s, orgfile.ImportActor, "again.json", doc); err != nil {
			t.Fatalf("the export does not import back: %v", err)
		}
		// Under an Always on instance a project's off is refused.
		_, err = orgfile.Import(ctx, s, orgfile.ImportActor, "off.json", parseString(t, `{"projects": [{"path": "a/b/p", "name": "P", "duo_features_enabled": false}]}`))
		if err == nil || !strings.Contains(err.Error(), "(the instance is Always on)") {
			t.Fatalf("want the lock refusal naming Always on, got %v", err)
		}
	})
}
