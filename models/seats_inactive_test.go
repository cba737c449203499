package models_test

import (
	"context"
	"errors"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// No seat of an ended or not yet started purchase is assigned, whichever
// path asks (screens, API, CLI): the Store refuses with PURCHASE_NOT_ACTIVE
// and writes nothing. Removing stays possible.
func TestNoSeatOfAnInactivePurchaseIsAssigned(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 10)
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["subdev"].ID); err != nil {
			t.Fatal(err)
		}
		db, _ := s.SQLDB()
		for _, dates := range [][2]models.Date{
			{models.Today().AddDays(-300), models.Today().AddDays(-1)}, // ended
			{models.Today().AddDays(1), models.Today().AddDays(300)},   // not yet started
		} {
			if _, err := db.Exec("UPDATE add_on_purchases SET started_at = $1, expires_on = $2 WHERE id = $3",
				dates[0].String(), dates[1].String(), w.purchase.ID); err != nil {
				t.Fatal(err)
			}
			var se *models.SeatError
			_, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["owner"].ID)
			if !errors.As(err, &se) || se.Code != models.PurchaseNotActive {
				t.Fatalf("%v: assign one: %v", dates, err)
			}
			_, _, err = s.BulkAssignSeatsTo(ctx, tester, w.purchase.ID, models.SeatUsers{Usernames: []string{"owner"}})
			if !errors.As(err, &se) || se.Code != models.PurchaseNotActive {
				t.Fatalf("%v: assign in bulk: %v", dates, err)
			}
			if n, _ := s.AssignedCount(ctx, w.purchase.ID); n != 1 {
				t.Fatalf("%v: %d seats, want subdev's only", dates, n)
			}
		}
		if _, err := s.BulkUnassignSeats(ctx, tester, w.purchase.ID, []int64{w.users["subdev"].ID}); err != nil {
			t.Fatalf("removing a seat of an inactive purchase: %v", err)
		}
	})
}
