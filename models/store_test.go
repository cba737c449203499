package models_test

import (
	"context"
	"os"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.DropTemplate()
	os.Exit(code)
}

func TestMigrationsLeaveNothingPending(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		if err := s.CheckSchema(context.Background()); err != nil {
			t.Fatalf("after Migrate: %v", err)
		}
		st, err := s.InstanceSettings(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !st.DuoFeaturesEnabled || st.LockDuoFeaturesEnabled || st.Plan != models.PlanFree {
			t.Fatalf("instance defaults = %+v", st)
		}
	})
}

func TestSubtreeQueriesUseTraversalPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin := models.Actor{Username: "test"}
		root, err := s.CreateGroup(ctx, admin, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := s.CreateGroup(ctx, admin, root, models.GroupInput{Path: "a", Name: "A"})
		b, _ := s.CreateGroup(ctx, admin, a, models.GroupInput{Path: "b", Name: "B"})
		other, _ := s.CreateGroup(ctx, admin, nil, models.GroupInput{Path: "other", Name: "Other"})
		for _, g := range []*models.Group{root, a, b, other} {
			if _, err := s.CreateProject(ctx, admin, g, models.ProjectInput{Path: "p", Name: "P"}); err != nil {
				t.Fatal(err)
			}
		}
		if b.FullPath != "acme/a/b" || b.RootID() != root.ID || len(b.AncestorIDs()) != 2 {
			t.Fatalf("b = %+v", b)
		}
		c, err := s.CountSubtree(ctx, root)
		if err != nil {
			t.Fatal(err)
		}
		if c.Subgroups != 2 || c.Projects != 3 {
			t.Fatalf("root subtree = %+v, want 2 subgroups and 3 projects", c)
		}
		c, _ = s.CountSubtree(ctx, a)
		if c.Subgroups != 1 || c.Projects != 2 {
			t.Fatalf("a subtree = %+v, want 1 subgroup and 2 projects", c)
		}
		anc, err := s.Ancestors(ctx, b)
		if err != nil || len(anc) != 2 || anc[0].ID != root.ID || anc[1].ID != a.ID {
			t.Fatalf("ancestors of b = %+v, %v", anc, err)
		}
		if _, err := s.CreateGroup(ctx, admin, root, models.GroupInput{Path: "p", Name: "clash"}); err == nil {
			t.Fatal("a group may not take a project's full path")
		}
	})
}
