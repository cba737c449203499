package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// Every membership carries its top-level group, whichever way it is
// written: through the Store, or by raw SQL as imports and seeds do.
func TestMembershipsKnowTheirTopLevelGroup(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		acme, _ := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
		deep, _ := s.CreateGroup(ctx, tester, acme, models.GroupInput{Path: "a", Name: "A"})
		deep, _ = s.CreateGroup(ctx, tester, deep, models.GroupInput{Path: "b", Name: "B"})
		proj, _ := s.CreateProject(ctx, tester, deep, models.ProjectInput{Path: "p", Name: "P"})
		other, _ := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "other", Name: "Other"})
		viaStore := mkUser(t, s, "viastore", models.StateActive, false)
		viaSQL := mkUser(t, s, "viasql", models.StateActive, false)
		elsewhere := mkUser(t, s, "elsewhere", models.StateActive, false)
		if _, err := s.AddMember(ctx, tester, models.ProjectSource(proj, deep), viaStore, models.Guest); err != nil {
			t.Fatal(err)
		}
		db, _ := s.SQLDB()
		if _, err := db.Exec(`INSERT INTO members (user_id, source_type, source_id, access_level) VALUES ($1, 'Namespace', $2, 30), ($3, 'Namespace', $4, 30)`,
			viaSQL.ID, deep.ID, elsewhere.ID, other.ID); err != nil {
			t.Fatal(err)
		}
		roots := map[int64]int64{}
		rows, err := db.Query(`SELECT user_id, root_namespace_id FROM members`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var u, r int64
			if err := rows.Scan(&u, &r); err != nil {
				t.Fatal(err)
			}
			roots[u] = r
		}
		rows.Close()
		if roots[viaStore.ID] != acme.ID || roots[viaSQL.ID] != acme.ID || roots[elsewhere.ID] != other.ID {
			t.Fatalf("roots %v; want acme %d for the project and subgroup members, other %d", roots, acme.ID, other.ID)
		}
		p, err := s.CreatePurchase(ctx, tester, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			NamespaceID: &acme.ID, Quantity: 5, ExpiresOn: models.Today().AddDays(30)})
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.SeatTable(ctx, p, models.SeatFilter{}, models.Page{Number: 1, PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range page.Items {
			names = append(names, r.Username)
		}
		if page.Total != 2 || len(names) != 2 || names[0] != "viastore" || names[1] != "viasql" {
			t.Fatalf("acme's eligible users: %d %v, want viastore and viasql", page.Total, names)
		}
	})
}
