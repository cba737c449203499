package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"duoadmin/models"
)

// assignSeats gives the named users seats as actor, as a finished earlier
// visit would have.
func assignSeats(t *testing.T, s *journeySite, p *models.AddOnPurchase, actor *models.User, names ...string) {
	t.Helper()
	ids := make([]int64, len(names))
	for i, n := range names {
		u, err := s.store.UserByUsername(context.Background(), n)
		if err != nil {
			t.Fatalf("user %s: %v", n, err)
		}
		ids[i] = u.ID
	}
	if _, err := s.store.BulkAssignSeats(context.Background(), models.ActorFor(actor), p.ID, ids); err != nil {
		t.Fatalf("assign %v: %v", names, err)
	}
}

// seatHolders is who holds a seat of p, sorted.
func seatHolders(t *testing.T, s *journeySite, p *models.AddOnPurchase) []string {
	t.Helper()
	db, err := s.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT u.username FROM seat_assignments sa JOIN users u ON u.id = sa.user_id
		WHERE sa.add_on_purchase_id = $1 ORDER BY u.username`, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// texts is the visible text of every element matching css, in page order.
func texts(t *testing.T, ctx context.Context, css string) []string {
	t.Helper()
	return run(t, ctx, "read "+css, chromedp.Evaluate[[]string](fmt.Sprintf(
		`[...document.querySelectorAll(%q)].map((e) => e.innerText.replace(/\s+/g, ' ').trim())`, css)))
}

// TestJourneyBulkRemoveSeats: a group owner with 6 of 50 seats assigned
// shows the users with a seat, ticks three, asks to remove their seats,
// cancels at the confirmation (nothing changes), asks again and confirms;
// the three seats are freed and the flash says so.
func TestJourneyBulkRemoveSeats(t *testing.T) {
	s, _, p := seatGroup(t, 50)
	olivia, err := s.store.UserByUsername(context.Background(), "olivia")
	if err != nil {
		t.Fatal(err)
	}
	holders := []string{"backend-01", "backend-02", "backend-03", "backend-04", "frontend-01", "frontend-02"}
	assignSeats(t, s, p, olivia, holders...)
	leaving := []string{"backend-02", "backend-04", "frontend-01"}

	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "olivia")
	open(t, ctx, s, acmeSeats, 200)
	wantTextOf(t, ctx, `[data-testid="seats-used"]`, "6 / 50")
	do(t, ctx, "show the users with a seat",
		chromedp.SetValue(chromedp.ID("seat_assigned"), "true"),
		chromedp.Click(chromedp.CSS(`[data-testid="seat-filter-submit"]`)),
		// The selected option comes from the server: the filtered page.
		chromedp.WaitReady(chromedp.CSS(`#seat_assigned option[value="true"][selected]`)),
	)
	wantTextOf(t, ctx, `[data-testid="seat-total"]`, "6 users")
	tick := func() {
		t.Helper()
		for _, name := range leaving {
			do(t, ctx, "tick "+name, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="seat-row"][data-username=%q] input[name="user_ids"]`, name))))
		}
		if n := count(t, ctx, `input[name="user_ids"]:checked`); n != len(leaving) {
			t.Fatalf("%d users ticked, want %d", n, len(leaving))
		}
		do(t, ctx, "remove their seats",
			chromedp.Click(chromedp.CSS(`[data-testid="bulk-remove"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="bulk-confirm-submit"]`)),
		)
	}

	tick()
	wantTextOf(t, ctx, `h1`, "Confirm bulk seat removal")
	wantTextOf(t, ctx, `[data-testid="bulk-confirm-message"]`,
		"This action will remove GitLab Duo seats from 3 users. Are you sure you want to continue?")
	wantTextOf(t, ctx, `[data-testid="bulk-confirm-submit"]`, "Remove seats")
	do(t, ctx, "cancel",
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-cancel"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="seat-table"]`)),
	)
	wantTextOf(t, ctx, `[data-testid="seats-used"]`, "6 / 50")
	if got := seatHolders(t, s, p); !slices.Equal(got, holders) {
		t.Fatalf("after cancelling, the seats are held by %v, want %v", got, holders)
	}

	// Cancel kept the selection: the same three are still ticked.
	if n := count(t, ctx, `input[name="user_ids"]:checked`); n != len(leaving) {
		t.Fatalf("after cancelling, %d users ticked, want the %d selected before", n, len(leaving))
	}
	do(t, ctx, "remove their seats again",
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-remove"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="bulk-confirm-submit"]`)),
	)
	shot(t, ctx, "bulk-remove-seats-confirm")
	do(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-confirm-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	shot(t, ctx, "bulk-remove-seats")

	wantContains(t, ctx, `[data-testid="flash"]`, "3 users have been successfully unassigned a seat.")
	wantTextOf(t, ctx, `[data-testid="seats-used"]`, "3 / 50")
	// Back on the filtered table: only the three who keep a seat.
	wantTextOf(t, ctx, `[data-testid="seat-total"]`, "3 users")
	if got, want := attrs(t, ctx, `[data-testid="seat-row"]`, "data-username"), []string{"backend-01", "backend-03", "frontend-02"}; !slices.Equal(got, want) {
		t.Errorf("the table of users with a seat lists %v, want %v", got, want)
	}
	if got, want := seatHolders(t, s, p), []string{"backend-01", "backend-03", "frontend-02"}; !slices.Equal(got, want) {
		t.Errorf("the seats are held by %v, want %v", got, want)
	}
	// The action is one audit event of olivia's, with the count; each seat
	// lost is a ledger row with reason bulk.
	db, _ := s.store.SQLDB()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'seats_unassigned' AND actor_name = 'olivia' AND details LIKE '%"count":3%'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d seats_unassigned events by olivia with count 3 (%v), want 1", n, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM seat_events WHERE event = 'lost' AND reason = 'bulk' AND actor_name = 'olivia'`).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d lost bulk ledger rows by olivia (%v), want 3", n, err)
	}
}

// TestJourneyAuditLogForOneUser: after seats changed hands, a group owner
// opens the group's audit events, filters to one target user and sees only
// that user's events, then filters to one author and sees only theirs.
func TestJourneyAuditLogForOneUser(t *testing.T) {
	s, acme, p := seatGroup(t, 50)
	ctx0 := context.Background()
	olivia, err := s.store.UserByUsername(ctx0, "olivia")
	if err != nil {
		t.Fatal(err)
	}
	oscar := s.person("oscar", "Oscar Owner", true)
	s.member(acme, oscar, models.Owner)
	// One toggle each (a bulk action is one event about the purchase; each
	// user's share of it is in their seat history, not this log).
	for _, n := range []string{"backend-01", "backend-02", "backend-03"} {
		u, _ := s.store.UserByUsername(ctx0, n)
		if _, err := s.store.AssignSeat(ctx0, models.ActorFor(olivia), p.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"backend-02", "backend-03"} {
		u, _ := s.store.UserByUsername(ctx0, n)
		if _, err := s.store.UnassignSeat(ctx0, models.ActorFor(oscar), p.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}

	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "olivia")
	const events = "/groups/acme/-/audit_events"
	open(t, ctx, s, events, 200)
	// Unfiltered, the log is about many people.
	if targets := texts(t, ctx, `[data-testid="event-target"]`); len(slices.Compact(slices.Sorted(slices.Values(targets)))) < 3 {
		t.Fatalf("the unfiltered log names only %v", targets)
	}

	do(t, ctx, "filter to backend-02",
		chromedp.SendKeys(chromedp.ID("filter_target_user"), "backend-02"),
		chromedp.Click(chromedp.CSS(`[data-testid="filter-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#filter_target_user[value="backend-02"]`)),
	)
	shot(t, ctx, "audit-events-one-user")
	if loc := location(ctx); !strings.Contains(loc, "target_user=backend-02") {
		t.Errorf("the filtered page is %s, want target_user=backend-02 in its address", loc)
	}
	wantTextOf(t, ctx, `[data-testid="events-count"]`, "3 events")
	for _, target := range texts(t, ctx, `[data-testid="event-target"]`) {
		if target != "User backend-02" {
			t.Errorf("the log filtered to backend-02 shows an event about %q", target)
		}
	}
	if got, want := texts(t, ctx, `[data-testid="event-action"]`), []string{"GitLab Duo seat removed", "GitLab Duo seat assigned", "Member added"}; !slices.Equal(got, want) {
		t.Errorf("backend-02's events, newest first: %v, want %v", got, want)
	}
	if got, want := texts(t, ctx, `[data-testid="event-author"]`), []string{"oscar", "olivia", models.Automation.Username}; !slices.Equal(got, want) {
		t.Errorf("backend-02's events were made by %v, want %v", got, want)
	}

	// The other way round: everything oscar did.
	do(t, ctx, "filter to what oscar did",
		chromedp.Navigate(s.url+events),
		chromedp.WaitVisible(chromedp.ID("filter_actor")),
		chromedp.SendKeys(chromedp.ID("filter_actor"), "oscar"),
		chromedp.Click(chromedp.CSS(`[data-testid="filter-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#filter_actor[value="oscar"]`)),
	)
	wantTextOf(t, ctx, `[data-testid="events-count"]`, "2 events")
	for _, author := range texts(t, ctx, `[data-testid="event-author"]`) {
		if author != "oscar" {
			t.Errorf("the log filtered to oscar shows an event by %q", author)
		}
	}
	if got, want := texts(t, ctx, `[data-testid="event-target"]`), []string{"User backend-03", "User backend-02"}; !slices.Equal(got, want) {
		t.Errorf("oscar's events are about %v, want %v", got, want)
	}
}
