package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The Always off confirmation's numbers: what the lock covers, the locks
// below it replaces, and the seat holders who are members there (through
// a parent group too), not those elsewhere.
func TestPreviewAlwaysOff(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		_, users := smPurchase(t, s, 3)
		member := func(src models.Source, u *models.User) {
			if _, err := s.AddMember(ctx, tester, src, u, models.Developer); err != nil {
				t.Fatal(err)
			}
		}
		member(models.GroupSource(tr.a), users[0])                           // a parent of b
		member(models.ProjectSource(tr.projects["a/b/c"], tr.abc), users[1]) // a project below b
		member(models.GroupSource(tr.x), users[2])                           // elsewhere
		mkUser(t, s, "noseat", models.StateActive, false)
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.abc, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		b, err := s.GroupByID(ctx, tr.ab.ID)
		if err != nil {
			t.Fatal(err)
		}
		pv, err := s.PreviewGroupAlwaysOff(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if pv.Groups != 1 || pv.Projects != 2 || pv.ReplacedTotal != 1 || pv.SeatUsers != 2 {
			t.Fatalf("group preview %+v, want 1 subgroup, 2 projects, 1 lock, 2 seat users", pv)
		}
		if len(pv.Replaced) != 1 || pv.Replaced[0].FullPath != "a/b/c" || pv.Replaced[0].Availability != models.NeverOn {
			t.Fatalf("replaced %+v", pv.Replaced)
		}
		pv, err = s.PreviewInstanceAlwaysOff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pv.Groups != 4 || pv.Projects != 4 || pv.ReplacedTotal != 1 || pv.SeatUsers != 3 {
			t.Fatalf("instance preview %+v, want 4 groups, 4 projects, 1 lock, 3 seat users", pv)
		}
		// Nothing was written by previewing.
		if st := groupState(t, s, tr.ab); st.Availability() != models.DefaultOn {
			t.Fatalf("b is %s after a preview", st.Availability())
		}
	})
}
