package models_test

import (
	"context"
	"fmt"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func TestGitLabComDuoOverviewLists(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		today := models.Today()
		var groups []*models.Group
		for i := range 23 {
			g, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: fmt.Sprintf("g%02d", i), Name: fmt.Sprintf("G%02d", i), Plan: models.PlanUltimate})
			if err != nil {
				t.Fatal(err)
			}
			groups = append(groups, g)
			if _, err := s.CreatePurchase(ctx, tester, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
				NamespaceID: &g.ID, Quantity: 10 + i, ExpiresOn: today.AddDays(30)}); err != nil {
				t.Fatal(err)
			}
		}
		// g00 also has Enterprise (listed after Pro: add-on order) with 2 seats taken.
		de, err := s.CreatePurchase(ctx, tester, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise,
			NamespaceID: &groups[0].ID, Quantity: 5, ExpiresOn: today.AddDays(30)})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"ann", "bob"} {
			u := mkUser(t, s, n, models.StateActive, false)
			if _, err := s.AddMember(ctx, tester, models.GroupSource(groups[0]), u, models.Developer); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AssignSeat(ctx, tester, de.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		page1, err := s.ListGroupPurchases(ctx, models.Page{Number: 1})
		if err != nil {
			t.Fatal(err)
		}
		if page1.Total != 24 || len(page1.Items) != 20 || page1.TotalPages() != 2 {
			t.Fatalf("page 1: total %d, %d rows", page1.Total, len(page1.Items))
		}
		first, second := page1.Items[0], page1.Items[1]
		if first.GroupFullPath != "g00" || first.AddOn != models.AddOnDuoEnterprise || first.Assigned != 2 || first.Quantity != 5 ||
			second.GroupFullPath != "g00" || second.AddOn != models.AddOnDuoPro || second.Assigned != 0 || first.GroupName != "G00" {
			t.Fatalf("first rows %+v %+v", first, second)
		}
		page2, _ := s.ListGroupPurchases(ctx, models.Page{Number: 2})
		if len(page2.Items) != 4 || page2.Items[3].GroupFullPath != "g22" || page2.Items[3].Quantity != 32 {
			t.Fatalf("page 2 %+v", page2.Items)
		}

		sub, err := s.CreateGroup(ctx, tester, groups[1], models.GroupInput{Path: "sub", Name: "Sub"})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range []*models.Group{groups[5], sub} {
			fresh, _ := s.GroupByID(ctx, g.ID)
			if _, err := s.SetGroupDuoAvailability(ctx, tester, fresh, models.NeverOn); err != nil {
				t.Fatal(err)
			}
		}
		off, err := s.ListAlwaysOffGroups(ctx, models.Page{Number: 1})
		if err != nil {
			t.Fatal(err)
		}
		if off.Total != 2 || off.Items[0].FullPath != "g01/sub" || off.Items[1].FullPath != "g05" {
			t.Fatalf("always off %+v", off.Items)
		}
	})
}
