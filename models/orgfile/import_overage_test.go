package orgfile_test

import (
	"context"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// overageFile: acme's Duo Enterprise (started 2026-01-01) has 4 seats.
// olga used Code Suggestions since the start; ada, bob and cy never did.
// ada was assigned last though her user and seat ids are lower than bob's,
// so GitLab's "most recently assigned first" is told apart from "highest
// id first".
const overageFile = `{
  "users": [
    {"username": "olga", "name": "Olga", "email": "olga@example.com", "last_code_suggestions_usage_at": "2026-05-01T10:00:00Z"},
    {"username": "ada", "name": "Ada", "email": "ada@example.com"},
    {"username": "bob", "name": "Bob", "email": "bob@example.com"},
    {"username": "cy", "name": "Cy", "email": "cy@example.com"}
  ],
  "groups": [{"path": "acme", "name": "Acme", "plan": "ultimate"}],
  "members": [
    {"user": "olga", "source": "acme", "access_level": "owner"},
    {"user": "ada", "source": "acme", "access_level": "developer"},
    {"user": "bob", "source": "acme", "access_level": "developer"},
    {"user": "cy", "source": "acme", "access_level": "guest"}
  ],
  "add_on_purchases": [{"namespace": "acme", "add_on": "duo_enterprise", "quantity": 4, "started_at": "2026-01-01", "expires_on": "2099-01-01"}],
  "assignments": [
    {"user": "olga", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-01-05T00:00:00Z"},
    {"user": "ada", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-06-01T00:00:00Z"},
    {"user": "bob", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-02-01T00:00:00Z"},
    {"user": "cy", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-01-10T00:00:00Z"}
  ]
}`

const lowerToTwo = `{"add_on_purchases": [{"namespace": "acme", "add_on": "duo_enterprise", "quantity": 2, "expires_on": "2099-01-01"}]}`

func seatHolderNames(t *testing.T, s *models.Store, p *models.AddOnPurchase) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, id := range must(s.SeatHolders(ctx, p.ID)) {
		u, err := s.UserByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u.Username)
	}
	return out
}

// A subscription sync that lowers the quantity below the assigned seats
// succeeds and removes the surplus in the same transaction, in GitLab's
// overage order, with an audit event and a mail per seat, and says so.
func TestImportReconcilesALowerQuantity(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustImport(t, s, parseString(t, overageFile))
		acme := mustGroup(t, s, "acme")
		p, err := s.SeatPurchase(ctx, &acme.ID)
		if err != nil {
			t.Fatal(err)
		}

		res := mustImport(t, s, parseString(t, lowerToTwo))
		// Unused seats go first, most recently assigned first: ada, then bob.
		if got := strings.Join(seatHolderNames(t, s, p), ","); got != "olga,cy" {
			t.Fatalf("seat holders %s, want olga,cy", got)
		}
		if got := res.SeatsRemoved(); got != 2 {
			t.Fatalf("SeatsRemoved = %d", got)
		}
		want := "imported t.json: 1 add-on purchase (1 updated); 2 seats removed from acme's GitLab Duo Enterprise: " +
			"2 because the purchase now has fewer seats than were assigned"
		if res.Summary() != want {
			t.Fatalf("summary\n got %q\nwant %q", res.Summary(), want)
		}
		var removed []string
		for _, r := range res.SeatRemovals[0].Removals {
			removed = append(removed, r.Username+":"+r.Reason)
		}
		if strings.Join(removed, ",") != "ada:seat_overage,bob:seat_overage" {
			t.Fatalf("removals %v", removed)
		}
		// In the ledger and mailed, in the order removed; one audit event
		// for the action.
		if n := sqlCount(t, s, `SELECT count(*) FROM audit_events WHERE action = 'seats_unassigned' AND details LIKE '%"count":2%'`); n != 1 {
			t.Fatalf("%d seats_unassigned events with count 2, want 1", n)
		}
		db, _ := s.SQLDB()
		rows, err := db.Query(`SELECT u.username FROM seat_events e JOIN users u ON u.id = e.user_id WHERE e.event = 'lost' AND e.reason = 'overage' ORDER BY e.id`)
		if err != nil {
			t.Fatal(err)
		}
		var audited []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			audited = append(audited, n)
		}
		rows.Close()
		if strings.Join(audited, ",") != "ada,bob" {
			t.Fatalf("audited %v", audited)
		}
		for _, who := range []string{"ada", "bob"} {
			if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_removed' AND to_address = '"+who+"@example.com'"); n != 1 {
				t.Fatalf("%d removal mails to %s", n, who)
			}
		}
		ev := latestAudit(t, s, "organisation_imported")
		if ev == nil || !strings.Contains(ev.Details, `"seats_removed":2`) {
			t.Fatalf("import audit %+v", ev)
		}
		// Importing the same file again removes nothing more.
		if again := mustImport(t, s, parseString(t, lowerToTwo)); again.SeatsRemoved() != 0 || strings.Contains(again.Summary(), "removed") {
			t.Fatalf("second import: %s", again.Summary())
		}
	})
}

// The removal belongs to the import's transaction: when a later part of
// the file fails, the seats, their audit events and mails are not lost.
func TestImportOverageRollsBackWithTheImport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustImport(t, s, parseString(t, overageFile))
		acme := mustGroup(t, s, "acme")
		p, _ := s.SeatPurchase(ctx, &acme.ID)
		mustImport(t, s, parseString(t, `{"users": [{"username": "outsider", "name": "Outsider", "email": "outsider@example.com"}]}`))
		got := importProblems(t, s, `{
		  "add_on_purchases": [{"namespace": "acme", "add_on": "duo_enterprise", "quantity": 2, "expires_on": "2099-01-01"}],
		  "assignments": [{"user": "outsider", "add_on": "duo_enterprise", "namespace": "acme"}]}`)
		if len(got) != 1 || !strings.Contains(got[0], "assignments[0].user: outsider is not eligible") {
			t.Fatalf("problems %v", got)
		}
		if n := len(seatHolderNames(t, s, p)); n != 4 {
			t.Fatalf("%d seats left after a failed import", n)
		}
		if sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'seat_unassigned'") != 0 ||
			sqlCount(t, s, "SELECT count(*) FROM email_outbox") != 0 {
			t.Fatal("a failed import left removal audit events or mail")
		}
		if fresh, _ := s.PurchaseByID(ctx, p.ID); fresh.Quantity != 4 {
			t.Fatalf("quantity %d after a failed import", fresh.Quantity)
		}
	})
}
