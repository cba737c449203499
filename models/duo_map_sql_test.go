package models_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The map's pages read in SQL (counts, levels, filters) agree with the
// resolver on every group and project of a generated hierarchy, and their
// pages cover each list exactly once.
func TestDuoMapPagesAgreeWithTheResolver(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		all := genHierarchy(t, s, 7)
		// An enforced group, and a project that differs under an unlocked
		// parent, so every kind of node is there.
		top2, _ := s.GroupByFullPath(ctx, "top2")
		sub, _ := s.GroupByFullPath(ctx, "top2/g0")
		if sub != nil && top2 != nil && !top2.LockDuoFeaturesEnabled {
			if _, err := s.EnforceGroupDuo(ctx, tester, sub, models.DuoEnforcement{Availability: models.NeverOn, Reason: "audit", ByAdmin: true}); err != nil {
				t.Fatal(err)
			}
		}
		// Stored values a lock overrides (as older or imported data may
		// hold; the ordinary paths rewrite them when they lock): the lock
		// decides, not the stored value.
		for _, q := range []string{
			"UPDATE namespaces SET duo_features_enabled = FALSE WHERE full_path LIKE 'top1/%'",
			"UPDATE projects SET duo_features_enabled = FALSE WHERE full_path LIKE 'top1/g0/%'",
		} {
			if err := s.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		want, err := s.LoadDuoMap(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		counts, _, err := s.MapCountsOf(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if counts != want.Counts {
			t.Fatalf("SQL counts %+v, resolved counts %+v", counts, want.Counts)
		}
		top1, _ := s.GroupByFullPath(ctx, "top1")
		for _, root := range []*models.Group{top1, top2} {
			sub, err := s.LoadDuoMap(ctx, root)
			if err != nil {
				t.Fatal(err)
			}
			if counts, _, err := s.MapCountsOf(ctx, root); err != nil || counts != sub.Counts {
				t.Fatalf("%s: SQL counts %+v, resolved counts %+v (%v)", root.FullPath, counts, sub.Counts, err)
			}
		}

		// Walk the whole tree one level at a time, 2 a page, 1 child shown.
		seenGroups, seenProjects := map[string]bool{}, map[string]bool{}
		var walk func(path string)
		walk = func(path string) {
			for page := 1; ; page++ {
				lv, err := s.MapLevelOf(ctx, nil, path, models.Page{Number: page, PerPage: 2}, 1)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range lv.Projects.Items {
					checkProject(t, s, p, seenProjects)
				}
				for _, b := range lv.Groups.Items {
					checkGroup(t, s, b.Node)
					if seenGroups[b.Node.FullPath] {
						t.Fatalf("%s on two pages", b.Node.FullPath)
					}
					seenGroups[b.Node.FullPath] = true
					if len(b.Groups) > 1 || len(b.Projects) > 1 {
						t.Fatalf("%s shows %d subgroups and %d projects, at most 1 asked", b.Node.FullPath, len(b.Groups), len(b.Projects))
					}
					if b.More != (b.Node.Children > len(b.Groups) || b.Node.Projects > len(b.Projects)) || b.Node.Projects != 2 {
						t.Fatalf("%s: %+v", b.Node.FullPath, b)
					}
					for _, g := range b.Groups {
						checkGroup(t, s, g)
					}
					walk(b.Node.FullPath)
				}
				if int64(page*2) >= max(lv.Groups.Total, lv.Projects.Total) {
					return
				}
			}
		}
		walk("")
		if len(seenGroups) != len(all) || len(seenProjects) != 2*len(all) {
			t.Fatalf("the walk saw %d groups and %d projects of %d and %d", len(seenGroups), len(seenProjects), len(all), 2*len(all))
		}
		if _, err := s.MapLevelOf(ctx, top2, "top1", models.Page{Number: 1, PerPage: 2}, 1); err != models.ErrNotFound {
			t.Fatalf("a subtree outside the scope: %v", err)
		}

		// Each filter, paged 3 at a time, lists what the resolved map does.
		for _, f := range []models.MapFilter{{Locked: true}, {Differs: true}, {Search: "G1"}, {Differs: true, Search: "top0/"}, {Locked: true, Search: "top2"}} {
			var gotGroups, gotProjects []string
			for page := 1; ; page++ {
				res, err := s.MapFilterOf(ctx, nil, f, models.Page{Number: page, PerPage: 3})
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range res.Groups.Items {
					checkGroup(t, s, n)
					gotGroups = append(gotGroups, n.FullPath)
				}
				for _, n := range res.Projects.Items {
					checkProject(t, s, n, nil)
					if f.Differs && !n.Differs || f.Search != "" && !strings.Contains(n.FullPath, strings.ToLower(f.Search)) {
						t.Fatalf("%+v lists %+v", f, n)
					}
					gotProjects = append(gotProjects, n.FullPath)
				}
				if int64(page*3) >= max(res.Groups.Total, res.Projects.Total) {
					if int(res.Groups.Total) != len(gotGroups) || int(res.Projects.Total) != len(gotProjects) {
						t.Fatalf("%+v: totals %d/%d, listed %d/%d", f, res.Groups.Total, res.Projects.Total, len(gotGroups), len(gotProjects))
					}
					break
				}
			}
			var wantGroups []string
			for _, n := range want.FilterGroups(f) {
				wantGroups = append(wantGroups, n.FullPath)
			}
			if !slices.Equal(gotGroups, wantGroups) {
				t.Fatalf("%+v: groups %v, want %v", f, gotGroups, wantGroups)
			}
			if f.Differs && f.Search == "top0/" && !slices.Contains(gotProjects, "top0/p1") {
				t.Fatalf("top0/p1 (off under an On group) not among %v", gotProjects)
			}
		}

		// Under the instance's lock everything is its value.
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, "UPDATE namespaces SET duo_features_enabled = TRUE WHERE full_path LIKE 'top0/%'"); err != nil {
			t.Fatal(err)
		}
		want, _ = s.LoadDuoMap(ctx, nil)
		counts, lock, err := s.MapCountsOf(ctx, nil)
		if err != nil || counts != want.Counts || counts.On != 0 || lock != "Always off" {
			t.Fatalf("under the instance's lock: %+v %q, resolved %+v (%v)", counts, lock, want.Counts, err)
		}
		res, err := s.MapFilterOf(ctx, nil, models.MapFilter{Differs: true}, models.Page{Number: 1, PerPage: 100})
		if err != nil || res.Groups.Total != 0 || res.Projects.Total != 0 {
			t.Fatalf("nothing differs under the instance's lock: %+v %v", res, err)
		}
	})
}

func checkGroup(t *testing.T, s *models.Store, n models.MapNode) {
	t.Helper()
	g, err := s.GroupByFullPath(context.Background(), n.FullPath)
	if err != nil {
		t.Fatal(err)
	}
	gs := groupState(t, s, g)
	if n.State != stateOf(gs.Resolution) || n.Locks != (g.LockDuoFeaturesEnabled || g.DuoEnforced()) {
		t.Fatalf("%s: map %s (locks %v), resolver %s", n.FullPath, n.State, n.Locks, stateOf(gs.Resolution))
	}
	parentOn := true
	if g.ParentID != nil {
		p, _ := s.GroupByID(context.Background(), *g.ParentID)
		parentOn = groupState(t, s, p).Resolution.Enabled
	}
	if n.Differs != (gs.Resolution.Enabled != parentOn) {
		t.Fatalf("%s: differs %v", n.FullPath, n.Differs)
	}
}

func checkProject(t *testing.T, s *models.Store, n models.MapNode, seen map[string]bool) {
	t.Helper()
	p, err := s.ProjectByID(context.Background(), n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ps := projectState(t, s, p); n.State != stateOf(ps.Resolution) || n.FullPath != p.FullPath {
		t.Fatalf("%s: map %s, resolver %+v", p.FullPath, n.State, ps.Resolution)
	}
	if seen != nil {
		if seen[n.FullPath] {
			t.Fatalf("%s listed twice", n.FullPath)
		}
		seen[n.FullPath] = true
	}
}
