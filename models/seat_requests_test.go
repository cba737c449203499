package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// requestWorld: self-managed with an administrator, a purchase of 2 seats
// held by h1 and h2, and q1, q2, q3 without seats.
func requestWorld(t *testing.T, s *models.Store) (*models.AddOnPurchase, map[string]*models.User) {
	t.Helper()
	ctx := context.Background()
	db, _ := s.SQLDB()
	db.Exec("UPDATE instance_settings SET plan = 'premium'")
	users := map[string]*models.User{}
	admin, err := s.CreateUser(ctx, tester, models.UserInput{Username: "root", Name: "Root", Email: "root@example.com", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	users["root"] = admin
	p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 2,
		ExpiresOn: models.Today().AddDays(100)})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"h1", "h2", "q1", "q2", "q3"} {
		users[n] = mkUser(t, s, n, models.StateActive, false)
	}
	for _, n := range []string{"h1", "h2"} {
		if _, err := s.AssignSeat(ctx, tester, p.ID, users[n].ID); err != nil {
			t.Fatal(err)
		}
	}
	return p, users
}

func TestSeatRequestsQueueApproveDecline(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users := requestWorld(t, s)
		if ps, _ := s.RequestablePurchases(ctx, users["h1"]); len(ps) != 0 {
			t.Errorf("a seat holder may request %v", ps)
		}
		if _, err := s.RequestSeat(ctx, users["h1"], p.ID, ""); !errors.Is(err, models.ErrNoSeatToRequest) {
			t.Errorf("seat holder's request: %v", err)
		}
		r1, err := s.RequestSeat(ctx, users["q1"], p.ID, "I write Go all day")
		if err != nil {
			t.Fatal(err)
		}
		var fe models.FieldErrors
		if _, err := s.RequestSeat(ctx, users["q1"], p.ID, "again"); !errors.As(err, &fe) {
			t.Errorf("second pending request: %v", err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_requested' AND to_address = 'root@example.com' AND text_body LIKE '%I write Go all day%'"); n != 1 {
			t.Errorf("%d request mails to the administrator", n)
		}
		r2, _ := s.RequestSeat(ctx, users["q2"], p.ID, "")
		// No free seat: approving is refused whole.
		if _, err := s.ApproveSeatRequests(ctx, tester, p.ID, []int64{r1.ID}); seatCode(err) != models.NotEnoughSeats {
			t.Fatalf("approve without seats: %v", err)
		}
		if _, err := s.UnassignSeat(ctx, tester, p.ID, users["h1"].ID); err != nil {
			t.Fatal(err)
		}
		if n, err := s.ApproveSeatRequests(ctx, tester, p.ID, []int64{r1.ID}); err != nil || n != 1 {
			t.Fatalf("approve: %d %v", n, err)
		}
		if ledgerRows(t, s, users["q1"].ID, models.SeatGained, models.SeatReasonRequest) != 1 {
			t.Error("no ledger row with reason request")
		}
		if _, err := s.ApproveSeatRequests(ctx, tester, p.ID, []int64{r1.ID}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("approving twice: %v", err)
		}
		if err := s.DeclineSeatRequest(ctx, tester, p.ID, r2.ID, "Budget is spent until July"); err != nil {
			t.Fatal(err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_request_declined' AND to_address = 'q2@example.com' AND text_body LIKE '%Budget is spent until July%'"); n != 1 {
			t.Errorf("%d decline mails with the reason", n)
		}
		q, _ := s.SeatRequestsQueue(ctx, p.ID, models.Page{Number: 1, PerPage: 20})
		if q.Total != 0 {
			t.Errorf("queue after decisions: %+v", q.Items)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action IN ('seat_requested', 'seat_request_declined')"); n != 3 {
			t.Errorf("%d audit events, want 2 requests and a decline", n)
		}
	})
}

// With "fill freed seats from the queue" on, seats freed by a removal, a
// reclaim or a larger quantity go to the oldest request first.
func TestSeatRequestsAutoFillOldestFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users := requestWorld(t, s)
		ids := map[string]int64{}
		for _, n := range []string{"q1", "q2", "q3"} {
			r, err := s.RequestSeat(ctx, users[n], p.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			ids[n] = r.ID
		}
		// q3 asked first, then q1, then q2.
		db, _ := s.SQLDB()
		for n, ago := range map[string]int{"q3": 3, "q1": 2, "q2": 1} {
			if _, err := db.Exec("UPDATE seat_requests SET created_at = $1 WHERE id = $2", models.Today().AddDays(-ago).Time, ids[n]); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetFillFreedSeats(ctx, tester, p.ID, true); err != nil {
			t.Fatal(err)
		}
		holder := func(n string) bool {
			return sqlCount(t, s, fmt.Sprintf("SELECT count(*) FROM seat_assignments WHERE user_id = %d", users[n].ID)) == 1
		}
		if holder("q3") {
			t.Fatal("filled without a free seat")
		}
		// A removal frees one seat: q3, the oldest.
		if _, err := s.UnassignSeat(ctx, tester, p.ID, users["h1"].ID); err != nil {
			t.Fatal(err)
		}
		if !holder("q3") || holder("q1") || holder("q2") {
			t.Fatalf("after a removal: q3 %v q1 %v q2 %v", holder("q3"), holder("q1"), holder("q2"))
		}
		// A reclaim frees h2's seat: q1.
		db.Exec("UPDATE seat_assignments SET created_at = $1 WHERE user_id = $2", models.Today().AddDays(-100).Time, users["h2"].ID)
		if err := s.SaveReclaimPolicy(ctx, tester, p, models.ReclaimPolicy{Enabled: true, IdleDays: 30, NoticeDays: 0}); err != nil {
			t.Fatal(err)
		}
		// One of two seats is over the mass-removal guard's default 10 %.
		if err := s.SetRemovalGuard(ctx, tester, p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 25}); err != nil {
			t.Fatal(err)
		}
		if res, err := s.RunReclaim(ctx, p.ID, models.Today()); err != nil || len(res.Reclaimed) != 1 {
			t.Fatalf("reclaim: %+v %v", res, err)
		}
		if !holder("q1") || holder("q2") {
			t.Fatalf("after a reclaim: q1 %v q2 %v", holder("q1"), holder("q2"))
		}
		// A larger quantity: q2.
		three := 3
		if _, err := s.UpdatePurchase(ctx, tester, p.ID, models.PurchaseUpdate{Quantity: &three}); err != nil {
			t.Fatal(err)
		}
		if !holder("q2") {
			t.Fatal("after a larger quantity: q2 has no seat")
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_events WHERE reason = 'request' AND actor_name = 'GitLab Duo automation'"); n != 3 {
			t.Errorf("%d automatic request grants in the ledger, want 3", n)
		}
	})
}
