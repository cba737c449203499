package models_test

import (
	"context"
	"fmt"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func TestMembersWithInherited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		actor := models.Actor{Username: "test"}
		user := func(name string) *models.User {
			u, err := s.CreateUser(ctx, actor, models.UserInput{Username: name, Name: name, Email: name + "@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		group := func(parent *models.Group, path string) *models.Group {
			g, err := s.CreateGroup(ctx, actor, parent, models.GroupInput{Path: path, Name: path})
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		add := func(src models.Source, u *models.User, lvl models.AccessLevel) {
			if _, err := s.AddMember(ctx, actor, src, u, lvl); err != nil {
				t.Fatal(err)
			}
		}
		root := group(nil, "root")
		mid := group(root, "mid")
		leaf := group(mid, "leaf")
		other := group(nil, "other")
		p, err := s.CreateProject(ctx, actor, leaf, models.ProjectInput{Path: "app", Name: "App"})
		if err != nil {
			t.Fatal(err)
		}
		alice, bob, carol, dave := user("alice"), user("bob"), user("carol"), user("dave")
		add(models.GroupSource(root), alice, models.Owner)
		add(models.GroupSource(mid), alice, models.Developer) // lower than inherited; root's Owner is not shown
		add(models.GroupSource(root), bob, models.Reporter)
		add(models.GroupSource(mid), bob, models.Maintainer)
		add(models.GroupSource(leaf), carol, models.Guest)
		add(models.GroupSource(other), dave, models.Owner)
		add(models.ProjectSource(p, leaf), dave, models.Developer)

		list, err := s.MembersWithInherited(ctx, models.GroupSource(leaf), leaf.AncestorIDs(), models.Page{Number: 1})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range list.Items {
			got[r.User.Username] = fmt.Sprintf("%v %v %s", r.AccessLevel, r.Direct, r.SourceFullPath)
		}
		want := map[string]string{
			"alice": "Owner false root", // highest inherited
			"bob":   "Maintainer false root/mid",
			"carol": "Guest true root/mid/leaf",
		}
		if list.Total != 3 || len(got) != 3 {
			t.Fatalf("total %d, rows %v", list.Total, got)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %q, want %q", k, got[k], v)
			}
		}
		if list.Items[0].User.Username != "alice" || list.Items[0].CreatedAt.IsZero() {
			t.Fatalf("rows sort by role, and carry the membership date: %+v", list.Items[0])
		}

		// The direct membership wins, even when an inherited one is higher.
		list, err = s.MembersWithInherited(ctx, models.GroupSource(mid), mid.AncestorIDs(), models.Page{Number: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list.Items {
			if r.User.Username == "alice" && (!r.Direct || r.AccessLevel != models.Developer || r.SourceID != mid.ID) {
				t.Fatalf("alice on mid: %+v", r)
			}
		}

		// A project inherits from its whole group chain.
		list, err = s.MembersWithInherited(ctx, models.ProjectSource(p, leaf), append(leaf.AncestorIDs(), leaf.ID), models.Page{Number: 1, PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		if list.Total != 4 {
			t.Fatalf("project members: %d, want 4", list.Total)
		}
		for _, r := range list.Items {
			if r.User.Username == "dave" && (!r.Direct || r.AccessLevel != models.Developer) {
				t.Fatalf("dave on the project: %+v", r)
			}
		}
	})
}

func TestMembersWithInheritedPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		actor := models.Actor{Username: "test"}
		root, err := s.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "root", Name: "Root"})
		if err != nil {
			t.Fatal(err)
		}
		sub, err := s.CreateGroup(ctx, actor, root, models.GroupInput{Path: "sub", Name: "Sub"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 23; i++ {
			u, err := s.CreateUser(ctx, actor, models.UserInput{Username: fmt.Sprintf("u%02d", i), Name: fmt.Sprintf("U%02d", i), Email: fmt.Sprintf("u%02d@example.com", i)})
			if err != nil {
				t.Fatal(err)
			}
			src := models.GroupSource(root)
			if i%2 == 0 {
				src = models.GroupSource(sub)
			}
			if _, err := s.AddMember(ctx, actor, src, u, models.Developer); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[int64]bool{}
		for page := 1; page <= 2; page++ {
			list, err := s.MembersWithInherited(ctx, models.GroupSource(sub), sub.AncestorIDs(), models.Page{Number: page})
			if err != nil {
				t.Fatal(err)
			}
			if list.Total != 23 || list.TotalPages() != 2 {
				t.Fatalf("total %d pages %d", list.Total, list.TotalPages())
			}
			for _, r := range list.Items {
				if seen[r.UserID] {
					t.Fatalf("user %d on two pages", r.UserID)
				}
				seen[r.UserID] = true
			}
		}
		if len(seen) != 23 {
			t.Fatalf("%d users across pages, want 23", len(seen))
		}
	})
}

func TestCountsForGroupsAndChildren(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		actor := models.Actor{Username: "test"}
		root, _ := s.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "root", Name: "Root"})
		empty, _ := s.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "empty", Name: "Empty"})
		for _, n := range []string{"b-sub", "a-sub"} {
			if _, err := s.CreateGroup(ctx, actor, root, models.GroupInput{Path: n, Name: n}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CreateProject(ctx, actor, root, models.ProjectInput{Path: "app", Name: "App"}); err != nil {
			t.Fatal(err)
		}
		u, _ := s.CreateUser(ctx, actor, models.UserInput{Username: "u", Name: "U", Email: "u@example.com"})
		if _, err := s.AddMember(ctx, actor, models.GroupSource(root), u, models.Owner); err != nil {
			t.Fatal(err)
		}
		counts, err := s.CountsForGroups(ctx, []int64{root.ID, empty.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c := counts[root.ID]; c != (models.GroupListCounts{Subgroups: 2, Projects: 1, Members: 1}) {
			t.Fatalf("root counts %+v", c)
		}
		if c := counts[empty.ID]; c != (models.GroupListCounts{}) {
			t.Fatalf("empty counts %+v", c)
		}

		kids, err := s.GroupChildren(ctx, root, models.Page{Number: 1})
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, k := range kids.Items {
			order = append(order, k.Kind+":"+k.FullPath)
		}
		if kids.Total != 3 || fmt.Sprint(order) != "[group:root/a-sub group:root/b-sub project:root/app]" {
			t.Fatalf("children %d %v", kids.Total, order)
		}
	})
}
