package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
)

// wantAddOnKept fails unless every element sel matches carries attr, and
// each one names add_on=duo_pro.
func wantAddOnKept(t *testing.T, r *response, sel, attr string) {
	t.Helper()
	found := r.Doc().Find(sel)
	if found.Length() == 0 {
		t.Fatalf("nothing matches %s", sel)
	}
	for i := range found.Length() {
		if v := found.Eq(i).AttrOr(attr, ""); !strings.Contains(v, "add_on=duo_pro") {
			t.Fatalf("%s %s=%q loses add_on=duo_pro", sel, attr, v)
		}
	}
}

// The tabs beside the seat table (Usage, Reclaim idle seats, Seat
// requests, Seat history) manage the purchase ?add_on= names, as the
// Seats tab does: with Duo Pro and Duo Enterprise active, ?add_on=duo_pro
// shows and changes Pro's data and every link, form and redirect keeps it;
// without it they stay on Enterprise; an add-on the scope does not have is
// a 404.
func TestSeatTabsManageTheSelectedAddOn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		a     func(*testing.T) *seatsApp
		ns    func(*seatsApp) *int64
		who   string
		trial bool
	}{
		{"self-managed", func(t *testing.T) *seatsApp { return smSeatsApp(t, 5) }, func(*seatsApp) *int64 { return nil }, "admin", false},
		{"GitLab.com", func(t *testing.T) *seatsApp { return comSeatsApp(t, 5) }, func(a *seatsApp) *int64 { return &a.acme.ID }, "owner", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := tc.a(t)
			c := a.as(tc.who)
			tabs := []string{a.bulk + "/usage", a.bulk + "/reclaim", a.bulk + "/seat_requests", a.bulk + "/history"}
			// Only Pro so far: Enterprise is not this scope's.
			for _, p := range append(tabs, a.bulk+"/usage/export.csv", a.bulk+"/history/export.csv") {
				wantStatus(t, c.get(p+"?add_on=duo_enterprise"), http.StatusNotFound)
			}
			wantStatus(t, c.post(a.bulk+"/reclaim?add_on=duo_enterprise", url.Values{"enabled": {"1"}, "idle_days": {"60"}, "notice_days": {"7"}, "save": {"1"}}),
				http.StatusNotFound)

			pro := a.purchase
			ent := a.withEnterprise(tc.ns(a), tc.trial)
			a.assign("dev")
			ctx := context.Background()

			// Every tab's header links keep the add-on; without it they name none.
			for _, p := range tabs[:3] {
				r := c.get(p + "?add_on=duo_pro")
				wantStatus(t, r, http.StatusOK)
				if !strings.Contains(r.Body, "GitLab Duo Pro") || strings.Contains(r.Body, "GitLab Duo Enterprise seat") {
					t.Fatalf("%s?add_on=duo_pro does not show the Pro purchase", p)
				}
				wantAddOnKept(t, r, `[data-testid^="tab-"]`, "href")
				r = c.get(p)
				wantStatus(t, r, http.StatusOK)
				if !strings.Contains(r.Body, "GitLab Duo Enterprise") {
					t.Fatalf("%s does not show the Enterprise purchase by default", p)
				}
				if href := r.Doc().Find(`[data-testid="tab-usage"]`).AttrOr("href", ""); href != a.bulk+"/usage" {
					t.Fatalf("%s: default Usage tab links %q", p, href)
				}
			}
			wantAddOnKept(t, c.get(a.bulk+"?add_on=duo_pro"), `[data-testid^="tab-"]`, "href")

			// Usage: Pro's charts and their CSVs, sort links and the table's CSV.
			u := c.get(a.bulk + "/usage?add_on=duo_pro")
			wantAddOnKept(t, u, `a[data-testid^="csv-"]`, "href")
			if csv := c.get(u.Doc().Find(`[data-testid="csv-seats"]`).AttrOr("href", "")); csv.StatusCode != http.StatusOK {
				t.Fatalf("Pro usage CSV: %d", csv.StatusCode)
			}

			// Reclaim: the Pro policy is previewed and saved; Enterprise's stays off.
			r := c.get(a.bulk + "/reclaim?add_on=duo_pro")
			wantAddOnKept(t, r, `[data-testid="reclaim-form"]`, "action")
			action := r.Doc().Find(`[data-testid="reclaim-form"]`).AttrOr("action", "")
			form := url.Values{"enabled": {"1"}, "idle_days": {"60"}, "notice_days": {"7"}, "preview": {"1"}}
			prev := c.post(action, form)
			wantStatus(t, prev, http.StatusOK)
			wantAddOnKept(t, prev, `[data-testid="reclaim-form"]`, "action")
			form.Del("preview")
			form.Set("save", "1")
			res := c.post(action, form)
			wantStatus(t, res, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != a.bulk+"/reclaim?add_on=duo_pro" {
				t.Fatalf("reclaim Location %q", loc)
			}
			if pol, _ := a.store.ReclaimPolicyOf(ctx, pro.ID); !pol.Enabled || pol.IdleDays != 60 {
				t.Fatalf("Pro policy %+v", pol)
			}
			if pol, _ := a.store.ReclaimPolicyOf(ctx, ent.ID); pol.Enabled {
				t.Fatal("saving Pro's policy changed Enterprise's")
			}
			if c.get(a.bulk+"/reclaim").Doc().Find(`#enabled[checked]`).Length() != 0 {
				t.Fatal("the default Reclaim tab shows Pro's policy")
			}

			// Seat requests: Pro's queue, Assign (bulk and one) and Decline keep it.
			requesters := []string{"alice", "bob"}
			if a.acme != nil {
				for _, in := range []models.UserInput{{Username: "alice", Name: "Alice Archer", Email: "alice@example.com"},
					{Username: "bob", Name: "Bob Baker", Email: "bob@example.com"}} {
					a.mkMember(models.GroupSource(a.acme), a.mustUser(in), models.Developer)
				}
			}
			for _, name := range requesters {
				usr, err := a.store.UserByUsername(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				// A user asks for the seat a profile offers (Enterprise, the
				// larger one); a Pro request comes from before Enterprise.
				db, _ := a.store.SQLDB()
				if _, err := db.Exec(`INSERT INTO seat_requests (add_on_purchase_id, user_id, note, state, created_at) VALUES ($1, $2, $3, $4, $5)`,
					pro.ID, usr.ID, "please", models.SeatRequestPending, time.Now().UTC()); err != nil {
					t.Fatal(name, err)
				}
			}
			if n := c.get(a.bulk + "/seat_requests").Doc().Find(`[data-testid="seat-request"]`).Length(); n != 0 {
				t.Fatalf("Enterprise's queue shows %d Pro requests", n)
			}
			q := c.get(a.bulk + "/seat_requests?add_on=duo_pro")
			if n := q.Doc().Find(`[data-testid="seat-request"]`).Length(); n != 2 {
				t.Fatalf("Pro's queue has %d requests", n)
			}
			wantAddOnKept(t, q, `form[action*="/seat_requests/"]`, "action")
			first := q.Doc().Find(`[data-testid="seat-request"]`).First()
			res = c.post(q.Doc().Find(`[data-testid="assign-form"]`).AttrOr("action", ""),
				url.Values{"request_ids": {first.Find(`input[name="request_ids"]`).AttrOr("value", "")}})
			wantStatus(t, res, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != a.bulk+"/seat_requests?add_on=duo_pro" {
				t.Fatalf("assign Location %q", loc)
			}
			if who := first.AttrOr("data-username", ""); !a.holdersOf(pro)[who] || a.holdersOf(ent)[who] {
				t.Fatalf("Assign did not give %s a Pro seat", who)
			}
			last := q.Doc().Find(`[data-testid="seat-request"]`).Last()
			res = c.post(last.Find(`form[action*="/decline"]`).AttrOr("action", ""),
				url.Values{"request_id": {last.Find(`input[name="request_id"]`).AttrOr("value", "")}, "reason": {"No budget left"}})
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != a.bulk+"/seat_requests?add_on=duo_pro" {
				t.Fatalf("decline: %d Location %q", res.StatusCode, loc)
			}
			if n := c.get(a.bulk + "/seat_requests?add_on=duo_pro").Doc().Find(`[data-testid="seat-request"]`).Length(); n != 0 {
				t.Fatalf("%d Pro requests left after Assign and Decline", n)
			}
			res = c.post(q.Doc().Find(`[data-testid="fill-settings"]`).AttrOr("action", ""), url.Values{"fill_freed_seats": {"1"}})
			if loc := res.Header.Get("Location"); loc != a.bulk+"/seat_requests?add_on=duo_pro" {
				t.Fatalf("settings Location %q", loc)
			}
			if on, _ := a.store.FillFreedSeats(ctx, pro.ID); !on {
				t.Fatal("the setting was not saved on Pro")
			}
			if on, _ := a.store.FillFreedSeats(ctx, ent.ID); on {
				t.Fatal("Pro's setting changed Enterprise's")
			}

			// Seat history: linked from Pro's table, Pro's ledger, its filters and exports.
			href := c.get(a.bulk+"?add_on=duo_pro").Doc().Find(`a[href*="/history"]`).AttrOr("href", "")
			if href != a.bulk+"/history?add_on=duo_pro" {
				t.Fatalf("Pro's table links its history as %q", href)
			}
			h := c.get(href + "&username=dev")
			wantStatus(t, h, http.StatusOK)
			if rows := historyRows(t, h); len(rows) != 1 || !strings.HasPrefix(rows[0], "dev |") {
				t.Fatalf("Pro's history for dev: %v", rows)
			}
			if h.Doc().Find(`[data-testid="seat-history-filters"] input[name="add_on"]`).AttrOr("value", "") != "duo_pro" {
				t.Fatal("the history filter form loses the add-on")
			}
			wantAddOnKept(t, h, `[data-testid="export-csv"], [data-testid="export-ndjson"], [data-testid="seat-utilization-link"]`, "href")
			wantAddOnKept(t, h, `[data-testid="seat-history-filters"] a`, "href")
			if csv := c.get(h.Doc().Find(`[data-testid="export-csv"]`).AttrOr("href", "")); !strings.Contains(csv.Body, "dev") || strings.Contains(csv.Body, "owner") {
				t.Fatalf("Pro history CSV %q", csv.Body)
			}
			if rows := historyRows(t, c.get(a.bulk+"/history")); len(rows) != 1 || !strings.HasPrefix(rows[0], "owner |") {
				t.Fatalf("Enterprise's history: %v", rows)
			}
		})
	}
}
