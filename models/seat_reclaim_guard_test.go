package models_test

import (
	"context"
	"fmt"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// guardedReclaimWorld: reclaimWorld's purchase with ten seats, a1…a4 idle
// 70 days and f1…f6 used 3 days ago, a policy of 60 days with no notice
// period (noticed and due in one run), an administrator to be told of
// held runs, and a mass-removal guard of maxSeats seats.
func guardedReclaimWorld(t *testing.T, s *models.Store, maxSeats int) (*models.AddOnPurchase, map[string]*models.User) {
	t.Helper()
	ctx := context.Background()
	idle := map[string]int{}
	for i := 1; i <= 4; i++ {
		idle[fmt.Sprintf("a%d", i)] = 70
	}
	for i := 1; i <= 6; i++ {
		idle[fmt.Sprintf("f%d", i)] = 3
	}
	p, users, pol := reclaimWorld(t, s, idle)
	pol.NoticeDays = 0
	if err := s.SaveReclaimPolicy(ctx, tester, p, pol); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, tester, models.UserInput{Username: "root", Name: "Root", Email: "root@example.com", Admin: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRemovalGuard(ctx, tester, p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: maxSeats}); err != nil {
		t.Fatal(err)
	}
	return p, users
}

func holds(t *testing.T, s *models.Store, u *models.User) bool {
	t.Helper()
	return sqlCount(t, s, fmt.Sprintf("SELECT count(*) FROM seat_assignments WHERE user_id = %d", u.ID)) == 1
}

// Four seats due with a guard of four: the run goes ahead.
func TestReclaimUnderTheGuardGoesAhead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, _ := guardedReclaimWorld(t, s, 4)
		res, err := s.RunReclaim(ctx, p.ID, models.Today())
		if err != nil || len(res.Reclaimed) != 4 || res.Held != nil {
			t.Fatalf("%+v %v, want 4 reclaimed and nothing held", res, err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_assignments"); n != 6 {
			t.Errorf("%d seats left, want 6", n)
		}
		if runs, _ := s.HeldRuns(ctx, p.ID); len(runs) != 0 {
			t.Errorf("held runs %+v", runs)
		}
	})
}

// Four seats due with a guard of three: nothing is reclaimed, the run is
// held (listed with the other held runs, audited, mailed once), a second
// run the same day holds the same run again. Approving re-computes: a1,
// who used GitLab Duo since, keeps the seat; the other three go with
// reason reclaim.
func TestReclaimOverTheGuardHoldsThenApprove(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users := guardedReclaimWorld(t, s, 3)
		today := models.Today()
		res, err := s.RunReclaim(ctx, p.ID, today)
		if err != nil || len(res.Reclaimed) != 0 || res.Held == nil {
			t.Fatalf("%+v %v, want the run held", res, err)
		}
		if res.Held.Kind != models.SyncKindReclaim || res.Held.Losses != 4 || res.Held.HoldReason != "it would remove 4 seats, more than 3" {
			t.Errorf("held run %+v", res.Held)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_assignments"); n != 10 {
			t.Fatalf("%d seats left, want all 10", n)
		}
		runs, _ := s.HeldRuns(ctx, p.ID)
		if len(runs) != 1 || runs[0].ID != res.Held.ID {
			t.Fatalf("held runs %+v", runs)
		}
		if again, err := s.RunReclaim(ctx, p.ID, today); err != nil || again.Held == nil || again.Held.ID != res.Held.ID {
			t.Fatalf("second run: %+v %v, want the same held run", again, err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_sync_held' AND to_address = 'root@example.com'"); n != 1 {
			t.Errorf("%d held mails to the administrator, want 1", n)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'seat_sync_held' AND details LIKE '%\"kind\":\"reclaim\"%'"); n != 1 {
			t.Errorf("%d seat_sync_held audit events of kind reclaim, want 1", n)
		}

		db, _ := s.SQLDB()
		if _, err := db.Exec("UPDATE users SET last_duo_activity_on = $1 WHERE id = $2", today.String(), users["a1"].ID); err != nil {
			t.Fatal(err)
		}
		out, err := s.ApproveRun(ctx, tester, p.ID, res.Held.ID)
		if err != nil || !out.Applied || len(out.Diff.Losses) != 3 {
			t.Fatalf("approve: %+v %v, want 3 applied", out, err)
		}
		if !holds(t, s, users["a1"]) {
			t.Error("a1 used GitLab Duo before the approval and lost the seat")
		}
		for _, n := range []string{"a2", "a3", "a4"} {
			if holds(t, s, users[n]) || ledgerRows(t, s, users[n].ID, models.SeatLost, models.SeatReasonReclaim) != 1 {
				t.Errorf("%s: still holds a seat or has no ledger row with reason reclaim", n)
			}
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_assignments"); n != 7 {
			t.Errorf("%d seats left, want 7", n)
		}
		run, _ := s.SeatSyncRun(ctx, p.ID, res.Held.ID)
		if run.Status != models.RunApproved {
			t.Errorf("run status %q", run.Status)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'seat_sync_approved'"); n != 1 {
			t.Errorf("%d seat_sync_approved audit events, want 1", n)
		}
	})
}

// Discarding a held reclaim run keeps every seat.
func TestReclaimOverTheGuardDiscard(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users := guardedReclaimWorld(t, s, 3)
		res, err := s.RunReclaim(ctx, p.ID, models.Today())
		if err != nil || res.Held == nil {
			t.Fatalf("%+v %v, want the run held", res, err)
		}
		if err := s.DiscardRun(ctx, tester, p.ID, res.Held.ID); err != nil {
			t.Fatal(err)
		}
		for n, u := range users {
			if !holds(t, s, u) {
				t.Errorf("%s lost the seat", n)
			}
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_events WHERE reason = 'reclaim'"); n != 0 {
			t.Errorf("%d reclaim ledger rows after a discard", n)
		}
		run, _ := s.SeatSyncRun(ctx, p.ID, res.Held.ID)
		if run.Status != models.RunDiscarded {
			t.Errorf("run status %q", run.Status)
		}
		if runs, _ := s.HeldReclaimRuns(ctx, p.ID); len(runs) != 0 {
			t.Errorf("still held: %+v", runs)
		}
	})
}
