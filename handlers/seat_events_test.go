package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/views/components"
)

// ledgerOf lists a purchase's ledger, oldest first, as "user event reason".
func ledgerOf(t *testing.T, store *models.Store, purchaseID int64) []string {
	t.Helper()
	page, err := store.SeatEvents(context.Background(), purchaseID, models.SeatEventFilter{}, models.Page{Number: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page.Items {
		out = append(out, e.Username+" "+e.Event+" "+e.Reason)
	}
	slices.Reverse(out)
	return out
}

// The seats screen's toggle records manual, its bulk action bulk.
func TestSeatLedgerReasonsFromTheSeatsScreen(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	c := a.as("admin")
	wantStatus(t, c.post(smSeats+"/assignments", url.Values{"user_id": {a.id("bob")}, "assign": {"1"}, "return_to": {smSeats}}), http.StatusSeeOther)
	wantStatus(t, c.post(smBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "user_ids": {a.id("alice"), a.id("carol")}, "confirm": {"1"}}), http.StatusSeeOther)
	wantStatus(t, c.post(smBulk+"/bulk", url.Values{"bulk_action": {"remove"}, "user_ids": {a.id("alice")}, "confirm": {"1"}}), http.StatusSeeOther)
	wantStatus(t, c.post(smSeats+"/assignments", url.Values{"user_id": {a.id("bob")}, "assign": {"0"}, "return_to": {smSeats}}), http.StatusSeeOther)
	got := ledgerOf(t, a.store, a.purchase.ID)
	want := []string{"bob gained manual", "alice gained bulk", "carol gained bulk", "alice lost bulk", "bob lost manual"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("ledger %v, want %v", got, want)
	}
	// The audit: a toggle writes one event for its user, a bulk action one
	// for the action, with the purchase and the count.
	wantAudit(t, a.app, "seat_assigned", "bob", "admin")
	wantAudit(t, a.app, "seat_unassigned", "bob", "admin")
	ev := wantAudit(t, a.app, "seats_unassigned", a.purchase.AddOn.Title(), "admin")
	if !strings.Contains(ev.Details, `"count":1`) || !strings.Contains(ev.Details, `"reason":"bulk"`) ||
		!strings.Contains(ev.Details, fmt.Sprintf(`"add_on_purchase_id":%d`, a.purchase.ID)) {
		t.Fatalf("bulk removal audited as %s", ev.Details)
	}
	ev = wantAudit(t, a.app, "seats_assigned", a.purchase.AddOn.Title(), "admin")
	if !strings.Contains(ev.Details, `"count":2`) {
		t.Fatalf("bulk assignment audited as %s", ev.Details)
	}
	for _, name := range []string{"alice", "carol"} {
		for _, action := range []string{"seat_assigned", "seat_unassigned"} {
			if n := countAudit(t, a.app, action, name); n != 0 {
				t.Fatalf("%d per-user %s events for %s after bulk actions", n, action, name)
			}
		}
	}
}

func TestAPISeatEvents(t *testing.T) {
	t.Parallel()
	s, p, otherP := apiComSeats(t)
	assignments := fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", p.ID)
	wantStatus := func(r apiRawRes, status int) {
		t.Helper()
		if r.Status != status {
			t.Fatalf("status %d, want %d: %s", r.Status, status, snippet(r.Raw))
		}
	}
	wantStatus(s.call("POST", assignments, "owner", `{"usernames":["partner","projguest"]}`), http.StatusOK)
	wantStatus(s.call("DELETE", assignments, "owner", `{"usernames":["projguest"]}`), http.StatusOK)

	path := fmt.Sprintf("/api/v4/add_on_purchases/%d/seat_events", p.ID)
	read := func(r apiRawRes) []string {
		t.Helper()
		wantStatus(r, http.StatusOK)
		var rows []map[string]any
		if err := json.Unmarshal([]byte(r.Raw), &rows); err != nil {
			t.Fatalf("not JSON: %s", snippet(r.Raw))
		}
		var out []string
		for _, m := range rows {
			if len(m) != 5 || m["created_at"] == "" {
				t.Fatalf("row %v: want username, event, reason, actor, created_at", m)
			}
			out = append(out, fmt.Sprint(m["username"], " ", m["event"], " ", m["reason"], " ", m["actor"]))
		}
		return out
	}
	all := []string{"projguest lost api owner", "projguest gained api owner", "partner gained api owner"}
	for _, role := range []string{"owner", "admin", "support"} {
		got := read(s.call("GET", path, role, ""))
		// partner and projguest were assigned in one statement: same time, id order.
		if len(got) != 3 || got[0] != all[0] || !slices.Contains(got, all[1]) || !slices.Contains(got, all[2]) {
			t.Fatalf("%s reads %v, want %v", role, got, all)
		}
	}
	if got := read(s.call("GET", path+"?username=projguest&reason=api", "owner", "")); len(got) != 2 {
		t.Fatalf("projguest's events %v", got)
	}
	if got := read(s.call("GET", path+"?reason=manual", "owner", "")); len(got) != 0 {
		t.Fatalf("manual events %v", got)
	}
	if got := read(s.call("GET", path+"?from=2000-01-01&to="+models.Today().String(), "owner", "")); len(got) != 3 {
		t.Fatalf("events through today %v", got)
	}
	if got := read(s.call("GET", path+"?to=2000-01-01", "owner", "")); len(got) != 0 {
		t.Fatalf("events before 2000 %v", got)
	}
	r := s.call("GET", path+"?per_page=1&page=2", "owner", "")
	if got := read(r); len(got) != 1 {
		t.Fatalf("page 2 %v", got)
	}
	for h, want := range map[string]string{"X-Total": "3", "X-Total-Pages": "3", "X-Page": "2", "X-Per-Page": "1", "X-Next-Page": "3", "X-Prev-Page": "1"} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(r.Header.Get("Link"), `rel="next"`) {
		t.Errorf("Link %q", r.Header.Get("Link"))
	}
	for _, bad := range []string{"?reason=whim", "?from=yesterday", "?to=2026-13-01"} {
		wantStatus(s.call("GET", path+bad, "owner", ""), http.StatusBadRequest)
	}
	// Nobody else reads the ledger, and a denial shows none of it.
	for _, c := range []struct {
		path, role string
		status     int
	}{
		{path, "dev", http.StatusNotFound},
		{path, "", http.StatusUnauthorized},
		{fmt.Sprintf("/api/v4/add_on_purchases/%d/seat_events", otherP.ID), "owner", http.StatusNotFound},
		{"/api/v4/add_on_purchases/999999/seat_events", "admin", http.StatusNotFound},
	} {
		r := s.call("GET", c.path, c.role, "")
		wantStatus(r, c.status)
		if strings.Contains(r.Raw, "partner") || strings.Contains(r.Raw, "projguest") || strings.Contains(r.Raw, "gained") {
			t.Errorf("%s as %q leaks the ledger: %s", c.path, c.role, snippet(r.Raw))
		}
	}
}

// Support opens a user's GitLab Duo page and reads when and why they
// gained and lost their seat.
func TestSupportReadsWhyAUserLostTheirSeat(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	admin := models.ActorFor(a.users["admin"])
	if err := a.store.SetInstancePlan(ctx, admin, models.PlanUltimate); err != nil {
		t.Fatal(err)
	}
	p, err := a.store.CreatePurchase(ctx, admin, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 3,
		ExpiresOn: models.Today().AddDays(30), PurchaseXID: "A-S00000077"})
	if err != nil {
		t.Fatal(err)
	}
	dev := a.users["dev"]
	if _, err := a.store.AssignSeat(ctx, admin.WithSeatReason(models.SeatReasonManual), p.ID, dev.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.SetUserState(ctx, admin, dev.ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	res := a.as("support").get("/admin/users/dev/gitlab_duo")
	wantStatus(t, res, http.StatusOK)
	var got []string
	res.Doc().Find(`[data-testid="duo-history-row"]`).Each(func(_ int, s *goquery.Selection) {
		var cells []string
		s.Find("td").Each(func(_ int, td *goquery.Selection) { cells = append(cells, strings.TrimSpace(td.Text())) })
		got = append(got, strings.Join(cells[1:], " | ")) // after the time
		if !strings.HasPrefix(cells[0], components.Date(models.Today())) {
			t.Errorf("time %q is not today's", cells[0])
		}
	})
	if len(got) != 2 || got[0] != "Removed | GitLab Duo automation | Blocked | GitLab Duo Pro · A-S00000077" ||
		got[1] != "Assigned | admin | Manual | GitLab Duo Pro · A-S00000077" {
		t.Fatalf("history rows %q", got)
	}
}

// countAudit counts the recent events of an action about a target.
func countAudit(t *testing.T, a *app, action, targetName string) int {
	t.Helper()
	evs, err := a.store.RecentAuditEvents(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == action && ev.TargetName == targetName {
			n++
		}
	}
	return n
}
