package models_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// genHierarchy builds a random tree of groups and projects with random
// settings through the ordinary store paths (so every state is one the
// rules allow): 3 top-level groups, subgroups 3 deep, projects in each.
func genHierarchy(t *testing.T, s *models.Store, seed uint64) []*models.Group {
	t.Helper()
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(seed, 1))
	var all []*models.Group
	var mk func(parent *models.Group, path string, depth int)
	mk = func(parent *models.Group, path string, depth int) {
		in := models.GroupInput{Path: path, Name: path}
		if parent == nil {
			in.Plan = models.PlanUltimate
		}
		g, err := s.CreateGroup(ctx, tester, parent, in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, g)
		for i := range 2 {
			if _, err := s.CreateProject(ctx, tester, g, models.ProjectInput{Path: fmt.Sprintf("p%d", i), Name: "P"}); err != nil {
				t.Fatal(err)
			}
		}
		if depth < 3 {
			for i := range 1 + rnd.IntN(2) {
				mk(g, fmt.Sprintf("g%d", i), depth+1)
			}
		}
	}
	for i := range 3 {
		mk(nil, fmt.Sprintf("top%d", i), 1)
	}
	opts := models.Availabilities
	for _, g := range all {
		if rnd.IntN(3) == 0 {
			continue
		}
		fresh, _ := s.GroupByID(ctx, g.ID)
		// Refused under a lock: that is fine, the state stays valid.
		_, _ = s.SetGroupDuoAvailability(ctx, tester, fresh, opts[rnd.IntN(len(opts))])
	}
	top, _ := s.GroupByFullPath(ctx, "top1")
	_, _ = s.SetGroupDuoAvailability(ctx, tester, top, models.AlwaysOn)
	ps, _ := s.ProjectByFullPath(ctx, "top0/p1")
	_ = s.SetProjectDuoEnabled(ctx, tester, ps, false)
	return all
}

func stateOf(r models.DuoResolution) models.MapState {
	switch a := r.Availability(); {
	case a == models.AlwaysOn:
		return models.MapAlwaysOn
	case a == models.NeverOn:
		return models.MapAlwaysOff
	case r.Enabled:
		return models.MapOn
	}
	return models.MapOff
}

func TestDuoMapAgreesWithTheResolver(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		all := genHierarchy(t, s, 7)
		m, err := s.LoadDuoMap(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if int(m.Counts.Groups) != len(all) || m.Counts.Projects != int64(2*len(all)) || m.Counts.On+m.Counts.Off != m.Counts.Groups+m.Counts.Projects {
			t.Fatalf("counts %+v for %d groups", m.Counts, len(all))
		}
		var on, locks int64
		ids := []int64{}
		for _, g := range all {
			gs := groupState(t, s, g)
			n, ok := m.Group(g.ID)
			if !ok || n.State != stateOf(gs.Resolution) {
				t.Fatalf("%s: map %s, resolver %s", g.FullPath, n.State, stateOf(gs.Resolution))
			}
			if gs.Resolution.Enabled {
				on++
			}
			if gs.Group.LockDuoFeaturesEnabled {
				locks++
			}
			ids = append(ids, g.ID)
		}
		kids, err := s.MapChildProjects(ctx, m, ids, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, list := range kids {
			for _, pn := range list {
				p, _ := s.ProjectByID(ctx, pn.ID)
				ps := projectState(t, s, p)
				if pn.State != stateOf(ps.Resolution) {
					t.Fatalf("%s: map %s, resolver %+v", p.FullPath, pn.State, ps.Resolution)
				}
				if ps.Resolution.Enabled {
					on++
				}
			}
		}
		if on != m.Counts.On || locks != m.Counts.Locks {
			t.Fatalf("on %d locks %d, map counts %+v", on, locks, m.Counts)
		}
		// Filters: locked lists exactly the lock holders; differs on
		// projects lists top0/p1 (off under an On parent).
		if got := len(m.FilterGroups(models.MapFilter{Locked: true})); int64(got) != locks {
			t.Fatalf("%d locked groups listed, want %d", got, locks)
		}
		pg, err := s.MapFilterProjects(ctx, m, models.MapFilter{Differs: true, Search: "TOP0/"}, models.Page{Number: 1, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range pg.Items {
			found = found || n.FullPath == "top0/p1"
			if !n.Differs {
				t.Fatalf("%s listed as differing but does not", n.FullPath)
			}
		}
		if !found {
			t.Fatalf("top0/p1 not among differing projects %+v", pg.Items)
		}
		// A top-level group's map is its subtree.
		top, _ := s.GroupByFullPath(ctx, "top1")
		sub, err := s.LoadDuoMap(ctx, top)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range sub.Groups {
			if n.State != models.MapAlwaysOn {
				t.Fatalf("%s under Always on top1 is %s", n.FullPath, n.State)
			}
		}
	})
}

// Export → apply on a fresh database with the same hierarchy gives the
// same map; the file is then a clean drift check, and a change is found.
func TestAvailabilityYAMLRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		genHierarchy(t, s, 11)
		// Self-managed offers Always on at the instance only.
		top1, _ := s.GroupByFullPath(ctx, "top1")
		if _, err := s.SetGroupDuoAvailability(ctx, tester, top1, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		// Two enforced groups: the file carries them with their reasons.
		enforced := enforceSome(t, s, 2)
		f, err := s.ExportAvailability(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := models.MarshalAvailabilityFile(f)
		if err != nil {
			t.Fatal(err)
		}
		back, err := models.ParseAvailabilityFile("a.yaml", bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%v\n%s", err, raw)
		}
		if plan, err := s.PlanAvailability(ctx, nil, models.SelfManaged, back, true); err != nil || !plan.Empty() {
			t.Fatalf("the export drifts from its own database: %v %+v", err, plan.Changes)
		}
		// A fresh database with the same groups and projects, default settings.
		fresh := storetest.SQLite(t)
		if s.Dialect() == models.Postgres {
			fresh = storetest.PostgresOnly(t)
		}
		genHierarchyPlain(t, fresh, s)
		plan, err := fresh.PlanAvailability(ctx, nil, models.SelfManaged, back, true)
		if err != nil || plan.Empty() {
			t.Fatalf("dry run on the fresh database: %v %+v", err, plan)
		}
		if plan.EnforcementsAdded != 2 || !strings.Contains(plan.Summary(), "2 enforcements added") {
			t.Fatalf("dry run: %s", plan.Summary())
		}
		if !bytes.Contains(raw, []byte("enforced:\n  "+enforced[0]+":\n    reason: reason "+enforced[0])) {
			t.Fatalf("the export lacks the enforcement of %s:\n%s", enforced[0], raw)
		}
		if _, err := fresh.ApplyAvailability(ctx, tester, nil, models.SelfManaged, back, true); err != nil {
			t.Fatal(err)
		}
		for _, p := range enforced {
			g, _ := fresh.GroupByFullPath(ctx, p)
			if !g.DuoEnforced() || !g.DuoEnforcedByAdmin || g.DuoEnforcedReason != "reason "+p {
				t.Fatalf("%s after apply: %+v", p, g)
			}
		}
		if n := sqlCount(t, fresh, "SELECT count(*) FROM audit_events WHERE action = 'duo_availability_applied'"); n != 1 {
			t.Fatalf("%d audit events for one apply", n)
		}
		want, _ := s.LoadDuoMap(ctx, nil)
		got, _ := fresh.LoadDuoMap(ctx, nil)
		if want.Counts != got.Counts {
			t.Fatalf("counts %+v, want %+v", got.Counts, want.Counts)
		}
		for _, n := range want.Groups {
			g, ok := got.GroupByPath(n.FullPath)
			if !ok || g.State != n.State || g.How != n.How || g.By != n.By || g.Enforced != n.Enforced {
				t.Fatalf("%s: %s %s, want %s %s", n.FullPath, g.State, g.How, n.State, n.How)
			}
		}
		if plan, _ := fresh.PlanAvailability(ctx, nil, models.SelfManaged, back, true); !plan.Empty() {
			t.Fatalf("still differs after apply: %+v", plan.Changes)
		}
		// Drift: an enforcement released by hand is one to add again.
		g0, _ := fresh.GroupByFullPath(ctx, enforced[1])
		if _, err := fresh.EnforceGroupDuo(ctx, tester, g0, models.DuoEnforcement{Release: true, Reason: "by hand", ByAdmin: true}); err != nil {
			t.Fatal(err)
		}
		if plan, _ := fresh.PlanAvailability(ctx, nil, models.SelfManaged, back, true); plan.EnforcementsAdded != 1 || plan.Groups != 0 {
			t.Fatalf("released enforcement: %+v", plan)
		}
		if _, err := fresh.ApplyAvailability(ctx, tester, nil, models.SelfManaged, back, true); err != nil {
			t.Fatal(err)
		}
		// Drift: one top-level group (with no enforcement below) locked or
		// unlocked by hand.
		var g *models.Group
		for _, top := range []string{"top0", "top1", "top2"} {
			if !strings.HasPrefix(enforced[0], top+"/") && !strings.HasPrefix(enforced[1], top+"/") {
				g, _ = fresh.GroupByFullPath(ctx, top)
				break
			}
		}
		change := models.NeverOn
		if g.LockDuoFeaturesEnabled {
			change = models.DefaultOn
		}
		if _, err := fresh.SetGroupDuoAvailability(ctx, tester, g, change); err != nil {
			t.Fatal(err)
		}
		plan, _ = fresh.PlanAvailability(ctx, nil, models.SelfManaged, back, true)
		if plan.Empty() || plan.LocksAdded+plan.LocksRemoved != 1 {
			t.Fatalf("drift not found: %+v", plan)
		}
		if _, err := models.ParseAvailabilityFile("b.yaml", strings.NewReader("groups:\n  top0: sometimes\n")); err == nil ||
			!strings.Contains(err.Error(), "b.yaml: groups.top0: must be one of") {
			t.Fatalf("bad option: %v", err)
		}
		if _, err := fresh.PlanAvailability(ctx, nil, models.SelfManaged, models.AvailabilityFile{Groups: map[string]models.Availability{"nope": models.DefaultOn}}, true); err == nil {
			t.Fatal("an unknown group was accepted")
		}
	})
}

// genHierarchyPlain creates in dst the groups and projects of src, with
// default settings.
func genHierarchyPlain(t *testing.T, dst, src *models.Store) {
	t.Helper()
	ctx := context.Background()
	m, err := src.LoadDuoMap(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	made := map[int64]*models.Group{}
	for _, n := range m.Groups {
		in := models.GroupInput{Path: n.FullPath[strings.LastIndex(n.FullPath, "/")+1:], Name: n.Name}
		if n.ParentID == 0 {
			in.Plan = models.PlanUltimate
		}
		g, err := dst.CreateGroup(ctx, tester, made[n.ParentID], in)
		if err != nil {
			t.Fatal(err)
		}
		made[n.ID] = g
		for i := range n.Projects {
			if _, err := dst.CreateProject(ctx, tester, g, models.ProjectInput{Path: fmt.Sprintf("p%d", i), Name: "P"}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// enforceSome enforces the first n groups (by path, below the top level)
// the rules let an administrator enforce, each with the reason "reason
// PATH", and returns their paths.
func enforceSome(t *testing.T, s *models.Store, n int) []string {
	t.Helper()
	ctx := context.Background()
	m, err := s.LoadDuoMap(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range m.Groups {
		if len(out) == n {
			break
		}
		if g.ParentID == 0 || g.Locks {
			continue
		}
		fresh, _ := s.GroupByID(ctx, g.ID)
		if _, err := s.EnforceGroupDuo(ctx, tester, fresh, models.DuoEnforcement{Availability: models.NeverOn, Reason: "reason " + g.FullPath, ByAdmin: true}); err == nil {
			out = append(out, g.FullPath)
		}
	}
	if len(out) < n {
		t.Fatalf("only %d groups could be enforced", len(out))
	}
	return out
}
