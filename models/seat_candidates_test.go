package models_test

import (
	"context"
	"fmt"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The API's bulk change resolves, checks and writes in one transaction:
// an unknown name fails before "everyone already has a seat" succeeds, the
// users come back in request order without repeats, and every change has
// exactly one audit event and (for assignments) one mail with its body.
func TestBulkSeatsByUsername(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 3)
		pid := w.purchase.ID
		names := func(ns ...string) models.SeatUsers { return models.SeatUsers{Usernames: ns} }

		if _, _, err := s.BulkAssignSeatsTo(ctx, tester, pid, names("owner", "nobody")); seatCode(err) != models.InvalidUserIDPresent {
			t.Fatalf("unknown name: %v", err)
		}
		if _, _, err := s.BulkAssignSeatsTo(ctx, tester, pid, names("owner", "outsider")); seatCode(err) != models.InvalidUserIDPresent {
			t.Fatalf("ineligible name: %v", err)
		}
		users, ch, err := s.BulkAssignSeatsTo(ctx, tester, pid, names("SubDev", "owner", "subdev"))
		if err != nil || len(ch.Changed) != 2 || ch.Assigned != 2 {
			t.Fatalf("assign: %+v %v", ch, err)
		}
		if len(users) != 2 || users[0].Username != "subdev" || users[1].Username != "owner" {
			t.Fatalf("users %+v, want subdev, owner", users)
		}
		// Already assigned, plus one that does not exist: still refused.
		if _, _, err := s.BulkAssignSeatsTo(ctx, tester, pid, names("owner", "nobody")); seatCode(err) != models.InvalidUserIDPresent {
			t.Fatalf("assigned plus unknown: %v", err)
		}
		// Everyone named already has a seat: success, nothing written.
		if _, ch, err := s.BulkAssignSeatsTo(ctx, tester, pid, names("owner")); err != nil || len(ch.Unchanged) != 1 || len(ch.Changed) != 0 {
			t.Fatalf("already assigned: %+v %v", ch, err)
		}
		if n := sqlCount(t, s, `SELECT count(*) FROM audit_events WHERE action = 'seats_assigned' AND details LIKE '%"count":2%'`); n != 1 {
			t.Fatalf("%d seats_assigned events with count 2, want 1", n)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_events WHERE event = 'gained'"); n != 2 {
			t.Fatalf("%d ledger rows, want 2", n)
		}
		if n := sqlCount(t, s, `SELECT count(*) FROM email_outbox o JOIN email_bodies b ON b.id = o.body_id
			WHERE o.kind = 'seat_assigned_duo_pro'`); n != 2 {
			t.Fatalf("%d welcome mails with their body, want 2", n)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_assigned_duo_pro'"); n != 2 {
			t.Fatalf("%d welcome mails, want 2", n)
		}

		if _, _, err := s.BulkUnassignSeatsFrom(ctx, tester, pid, names("partner", "nobody")); seatCode(err) != models.InvalidUserIDPresent {
			t.Fatalf("remove with unknown name: %v", err)
		}
		if _, _, err := s.BulkUnassignSeatsFrom(ctx, tester, pid, names("partner")); seatCode(err) != models.NoAssignmentsFound {
			t.Fatalf("remove from users without seats: %v", err)
		}
		users, ch, err = s.BulkUnassignSeatsFrom(ctx, tester, pid, models.SeatUsers{IDs: w.ids("partner", "owner", "partner")})
		if err != nil || len(ch.Changed) != 1 || ch.Changed[0] != w.users["owner"].ID || len(ch.Unchanged) != 1 || ch.Assigned != 1 {
			t.Fatalf("remove: %+v %v", ch, err)
		}
		if len(users) != 2 || users[0].Username != "partner" || users[1].Username != "owner" {
			t.Fatalf("users %+v, want partner, owner", users)
		}
		if n := sqlCount(t, s, fmt.Sprintf("SELECT count(*) FROM seat_events WHERE event = 'lost' AND user_id = %d", w.users["owner"].ID)); n != 1 {
			t.Fatalf("%d lost ledger rows for owner, want 1", n)
		}
		if n := sqlCount(t, s, `SELECT count(*) FROM audit_events WHERE action = 'seats_unassigned' AND details LIKE '%"count":1%'`); n != 1 {
			t.Fatalf("%d removal events with count 1, want 1", n)
		}
	})
}

// Postgres does not check email_outbox.body_id per row (migration 00013);
// a body in use still cannot be deleted.
func TestEmailBodyInUseCannotBeDeleted(t *testing.T) {
	t.Parallel()
	s := storetest.PostgresOnly(t)
	ctx := context.Background()
	w := comWorld(t, s, 3)
	if _, err := s.BulkAssignSeats(ctx, tester, w.purchase.ID, w.ids("owner", "subdev")); err != nil {
		t.Fatal(err)
	}
	db, _ := s.SQLDB()
	if _, err := db.Exec("DELETE FROM email_bodies"); err == nil {
		t.Fatal("deleted a body the outbox uses")
	}
	if _, err := db.Exec("INSERT INTO email_bodies (text_body) VALUES ('unused')"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM email_bodies WHERE text_body = 'unused'"); err != nil {
		t.Fatalf("an unused body: %v", err)
	}
}
