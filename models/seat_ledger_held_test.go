package models_test

import (
	"context"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// LedgerSeatsHeld, for seat writers outside the seat methods (the seeders):
// a row per seat the purchase holds, with the actor's reason; gained rows
// dated when the seat was assigned, lost rows now.
func TestLedgerSeatsHeld(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.SetInstancePlan(ctx, tester, models.PlanUltimate); err != nil {
			t.Fatal(err)
		}
		p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			Quantity: 5, ExpiresOn: models.Today().AddDays(30)})
		if err != nil {
			t.Fatal(err)
		}
		ann := mkUser(t, s, "ann", models.StateActive, false)
		bob := mkUser(t, s, "bob", models.StateActive, false)
		db, _ := s.SQLDB()
		assigned := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
		for _, u := range []*models.User{ann, bob} {
			if _, err := db.Exec(`INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at)
				VALUES ($1, $2, $3, $3)`, p.ID, u.ID, assigned); err != nil {
				t.Fatal(err)
			}
		}
		actor := models.Actor{Username: "seeder", SeatReason: models.SeatReasonImport}
		before := time.Now().Add(-time.Minute)
		if err := s.LedgerSeatsHeld(ctx, actor, p.ID, models.SeatGained); err != nil {
			t.Fatal(err)
		}
		if err := s.LedgerSeatsHeld(ctx, actor, p.ID, models.SeatLost); err != nil {
			t.Fatal(err)
		}
		page, err := s.SeatEvents(ctx, p.ID, models.SeatEventFilter{}, models.Page{Number: 1, PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, e := range page.Items {
			got[e.Event]++
			if e.Reason != models.SeatReasonImport || e.ActorName != "seeder" || e.ActorID != nil {
				t.Errorf("row %+v: want reason import by seeder", e)
			}
			switch {
			case e.Event == models.SeatGained && !e.CreatedAt.Equal(assigned):
				t.Errorf("gained at %v, want when assigned (%v)", e.CreatedAt, assigned)
			case e.Event == models.SeatLost && e.CreatedAt.Before(before):
				t.Errorf("lost at %v, want now", e.CreatedAt)
			}
		}
		if got[models.SeatGained] != 2 || got[models.SeatLost] != 2 || page.Total != 4 {
			t.Fatalf("ledger %v (total %d), want 2 gained and 2 lost", got, page.Total)
		}
	})
}
