package models_test

import (
	"context"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The assigned count every seat change decides on is kept by the database
// (purchase_seat_counts): it equals the seats counted, through the Store's
// seat changes, raw SQL, a user's deletion cascading to their seats, a seat
// moved between purchases and a purchase's deletion.
func TestAssignedCountFollowsSeats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 10)
		other, err := s.CreatePurchase(ctx, tester, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise,
			NamespaceID: &w.acme.ID, Quantity: 10, ExpiresOn: models.Today().AddDays(300), PurchaseXID: "A-S00012346"})
		if err != nil {
			t.Fatal(err)
		}
		db, _ := s.SQLDB()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatal(err)
			}
		}
		check := func(step string) {
			t.Helper()
			for _, p := range []*models.AddOnPurchase{w.purchase, other} {
				got, err := s.AssignedCount(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := sqlCount(t, s, "SELECT count(*) FROM seat_assignments WHERE add_on_purchase_id = "+itoa(p.ID))
				if got != int64(want) {
					t.Fatalf("%s: purchase %d: AssignedCount %d, %d seats", step, p.ID, got, want)
				}
			}
			counts, err := s.AssignedCounts(ctx, []int64{w.purchase.ID, other.ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []*models.AddOnPurchase{w.purchase, other} {
				n, _ := s.AssignedCount(ctx, p.ID)
				if counts[p.ID] != n {
					t.Fatalf("%s: AssignedCounts %v, AssignedCount of %d is %d", step, counts, p.ID, n)
				}
			}
		}
		check("no seat yet")
		if _, err := s.BulkAssignSeats(ctx, tester, w.purchase.ID, w.ids("owner", "subdev", "projguest", "partner")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AssignSeat(ctx, tester, other.ID, w.users["owner"].ID); err != nil {
			t.Fatal(err)
		}
		check("assigned")
		if _, err := s.UnassignSeat(ctx, tester, w.purchase.ID, w.users["partner"].ID); err != nil {
			t.Fatal(err)
		}
		check("unassigned")
		exec("INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3)",
			other.ID, w.users["subdev"].ID, time.Now().UTC())
		check("raw insert")
		exec("UPDATE seat_assignments SET add_on_purchase_id = $1 WHERE add_on_purchase_id = $2 AND user_id = $3",
			other.ID, w.purchase.ID, w.users["projguest"].ID)
		check("seat moved to the other purchase")
		exec("UPDATE seat_assignments SET updated_at = updated_at WHERE add_on_purchase_id = $1", other.ID)
		check("seats touched")
		exec("DELETE FROM users WHERE id = $1", w.users["owner"].ID)
		check("user deleted, seats cascade")
		exec("DELETE FROM add_on_purchases WHERE id = $1", other.ID)
		if n := sqlCount(t, s, "SELECT count(*) FROM purchase_seat_counts WHERE add_on_purchase_id = "+itoa(other.ID)); n != 0 {
			t.Fatalf("a deleted purchase keeps %d count row(s)", n)
		}
		if n, err := s.AssignedCount(ctx, w.purchase.ID); err != nil || n != 1 {
			t.Fatalf("after the other purchase's deletion: %d seats (%v), want 1", n, err)
		}
	})
}
