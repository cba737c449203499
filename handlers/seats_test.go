package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/views/components"
	"duoadmin/views/pages/seats"
)

const (
	smSeats   = "/admin/gitlab_duo"
	smBulk    = "/admin/gitlab_duo/seat_utilization"
	comSeats  = "/groups/acme/-/settings/gitlab_duo"
	comBulk   = "/groups/acme/-/usage_quotas/gitlab_duo"
	seatsXID  = "A-S00012345"
	searchMsg = "Enter at least three characters to search."
)

type seatsApp struct {
	*app
	purchase *models.AddOnPurchase
	acme     *models.Group
	list     string
	bulk     string
}

// smSeatsApp: self-managed Premium instance with a Duo Pro purchase of
// quantity seats; the four harness users plus alice (public email), bob
// and carol are eligible.
func smSeatsApp(t *testing.T, quantity int) *seatsApp {
	t.Helper()
	a := newApp(t, storetest.Any(t), models.SelfManaged)
	ctx := context.Background()
	if err := a.store.SetInstancePlan(ctx, models.Automation, models.PlanPremium); err != nil {
		t.Fatal(err)
	}
	a.mustUser(models.UserInput{Username: "alice", Name: "Alice Archer", Email: "alice@example.com", PublicEmail: true})
	a.mustUser(models.UserInput{Username: "bob", Name: "Bob Baker", Email: "bob@example.com"})
	a.mustUser(models.UserInput{Username: "carol", Name: "Carol Cook", Email: "carol@example.com"})
	sa := &seatsApp{app: a, list: smSeats, bulk: smBulk}
	sa.purchase = sa.buy(nil, models.AddOnDuoPro, quantity, models.Today().AddDays(-10), models.Today().AddDays(300), false)
	return sa
}

// comSeatsApp: GitLab.com, acme (Ultimate) owned by owner with dev as a
// developer, subgroup acme/platform, a project acme/platform/api where
// pat is a guest, and a Duo Pro purchase on acme.
func comSeatsApp(t *testing.T, quantity int) *seatsApp {
	t.Helper()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	acme := a.acmeOwnedByOwner()
	a.mkMember(models.GroupSource(acme), a.users["dev"], models.Developer)
	platform := a.mkGroup(acme, "platform", "Platform", "")
	api := a.mkProject(platform, "api", "API")
	pat := a.mustUser(models.UserInput{Username: "pat", Name: "Pat Project", Email: "pat@example.com"})
	a.mkMember(models.ProjectSource(api, platform), pat, models.Guest)
	sa := &seatsApp{app: a, acme: acme, list: comSeats, bulk: comBulk}
	sa.purchase = sa.buy(&acme.ID, models.AddOnDuoPro, quantity, models.Today().AddDays(-10), models.Today().AddDays(300), false)
	return sa
}

func (a *seatsApp) buy(ns *int64, addOn models.AddOn, quantity int, start, end models.Date, trial bool) *models.AddOnPurchase {
	a.t.Helper()
	d := models.SelfManaged
	if ns != nil {
		d = models.GitLabCom
	}
	p, err := a.store.CreatePurchase(context.Background(), models.Automation, d, models.PurchaseInput{AddOn: addOn,
		NamespaceID: ns, Quantity: quantity, StartedAt: &start, ExpiresOn: end, Trial: trial, PurchaseXID: seatsXID})
	if err != nil {
		a.t.Fatal(err)
	}
	return p
}

func (a *seatsApp) id(username string) string {
	a.t.Helper()
	u, err := a.store.UserByUsername(context.Background(), username)
	if err != nil {
		a.t.Fatal(err)
	}
	return fmt.Sprint(u.ID)
}

func (a *seatsApp) assign(usernames ...string) {
	a.t.Helper()
	for _, n := range usernames {
		u, _ := a.store.UserByUsername(context.Background(), n)
		if _, err := a.store.AssignSeat(context.Background(), models.Automation, a.purchase.ID, u.ID); err != nil {
			a.t.Fatalf("assign %s: %v", n, err)
		}
	}
}

// holders is who holds a seat, by username.
func (a *seatsApp) holders() map[string]bool {
	a.t.Helper()
	out := map[string]bool{}
	assigned := true
	err := a.store.EachSeatRow(context.Background(), a.purchase, models.SeatFilter{Assigned: &assigned}, func(r models.SeatRow) error {
		out[r.Username] = true
		return nil
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return out
}

func rowUsernames(r *response) []string {
	var out []string
	r.Doc().Find(`[data-testid="seat-row"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("data-username", ""))
	})
	return out
}

func wantFlashContains(t *testing.T, r *response, parts ...string) {
	t.Helper()
	got := strings.Join(strings.Fields(r.Flash()), " ")
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Fatalf("flash %q lacks %q", got, p)
		}
	}
}

func TestSeatListShowsCardsAndSwitches(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 3)
	a.assign("alice")
	res := a.as("admin").get(smSeats)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `h1.page-title`, "GitLab Duo")
	wantText(t, res, `[data-testid="subscription-card-title"]`, "Subscription")
	wantText(t, res, `[data-testid="subscription-start"]`, "Start date: "+components.Date(models.Today().AddDays(-10)))
	wantText(t, res, `[data-testid="subscription-end"]`, "End date: "+components.Date(models.Today().AddDays(300)))
	wantText(t, res, `[data-testid="seats-used"]`, "1 / 3")
	if bar := res.Doc().Find(`progress[data-testid="seats-used-bar"]`); bar.AttrOr("value", "") != "1" || bar.AttrOr("max", "") != "3" {
		t.Fatalf("seat bar value=%q max=%q", bar.AttrOr("value", ""), bar.AttrOr("max", ""))
	}
	if !strings.Contains(res.Body, "A user can be assigned a GitLab Duo Pro seat only once each billable month.") {
		t.Fatal("no billable-month note")
	}
	if href := res.Doc().Find(`[data-testid="add-seats"]`).AttrOr("href", ""); href != "/admin/subscriptions/"+seatsXID {
		t.Fatalf("Add seats links %q", href)
	}
	if href := res.Doc().Find(`[data-testid="assign-seats"]`).AttrOr("href", ""); href != smBulk {
		t.Fatalf("Assign seats links %q", href)
	}
	if got := rowUsernames(res); strings.Join(got, ",") != "admin,support,owner,dev,alice,bob,carol" {
		t.Fatalf("rows %v", got)
	}
	// The seat list has switches but no bulk checkboxes.
	if res.Doc().Find(`input[name="user_ids"]`).Length() != 0 {
		t.Fatal("the seat list shows bulk checkboxes")
	}
	alice := res.Doc().Find(`[data-username="alice"]`)
	if sw := alice.Find(`[data-testid="seat-toggle"]`); sw.AttrOr("aria-checked", "") != "true" || !sw.HasClass("is-checked") {
		t.Fatal("alice's switch is not on")
	}
	if v := alice.Find(`input[name="assign"]`).AttrOr("value", ""); v != "0" {
		t.Fatalf("alice's switch posts assign=%q", v)
	}
	if got := strings.TrimSpace(alice.Find(`[data-testid="seat-email"]`).Text()); got != "alice@example.com" {
		t.Fatalf("alice's email cell %q", got)
	}
	bob := res.Doc().Find(`[data-username="bob"]`)
	if em := bob.Find(`[data-testid="seat-email"] em`); em.Text() != "Private" || em.AttrOr("title", "") != "An email address is only visible for users with public emails." {
		t.Fatalf("bob's email cell %q", em.Text())
	}
	if got := strings.TrimSpace(bob.Find(`[data-testid="seat-last-activity"]`).Text()); got != "Never" {
		t.Fatalf("bob's last activity %q", got)
	}
	if th := res.Doc().Find(`[data-testid="seat-table"] th`).Eq(1).Text(); th != "GitLab Duo Pro" {
		t.Fatalf("status column %q", th)
	}
	wantText(t, res, `.sidebar-item.active`, "GitLab Duo")
}

func TestSeatTableFiltersSortAndPaginationKeepTheQuery(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 50)
	for i := 1; i <= 25; i++ {
		a.mustUser(models.UserInput{Username: fmt.Sprintf("tester%02d", i), Name: fmt.Sprintf("Tester %02d", i), Email: fmt.Sprintf("t%d@example.com", i)})
	}
	a.assign("tester01", "alice")
	c := a.as("admin")
	res := c.get(smBulk + "?assigned=false&search=Tester&sort=name_desc")
	wantStatus(t, res, http.StatusOK)
	rows := rowUsernames(res)
	if len(rows) != 20 || rows[0] != "tester25" || rows[19] != "tester06" {
		t.Fatalf("page 1 rows %v", rows)
	}
	wantText(t, res, `[data-testid="seat-total"]`, "24 users")
	next, _ := res.Doc().Find(`a[rel="next"]`).Attr("href")
	u, _ := url.Parse(next)
	q := u.Query()
	if u.Path != smBulk || q.Get("assigned") != "false" || q.Get("search") != "Tester" || q.Get("sort") != "name_desc" || q.Get("page") != "2" {
		t.Fatalf("next link %q", next)
	}
	res = c.get(next)
	if rows := rowUsernames(res); len(rows) != 4 || rows[3] != "tester02" {
		t.Fatalf("page 2 rows %v", rows)
	}
	// The form shows the filter; switches return to this very page.
	if v := res.Doc().Find(`select[name="assigned"] option[selected]`).AttrOr("value", ""); v != "false" {
		t.Fatalf("assigned select %q", v)
	}
	if v := res.Doc().Find(`select[name="sort"] option[selected]`).AttrOr("value", ""); v != "name_desc" {
		t.Fatalf("sort select %q", v)
	}
	rt, _ := url.Parse(res.Doc().Find(`input[name="return_to"]`).First().AttrOr("value", ""))
	if rt.Path != smBulk || rt.Query().Get("page") != "2" || rt.Query().Get("search") != "Tester" {
		t.Fatalf("return_to %q", rt)
	}
	csvHref, _ := url.Parse(res.Doc().Find(`[data-testid="export-csv"]`).AttrOr("href", ""))
	if csvHref.Path != smBulk+"/export.csv" || csvHref.Query().Get("assigned") != "false" || csvHref.Query().Get("search") != "Tester" {
		t.Fatalf("export link %q", csvHref)
	}
	// Assigned only, sorted by name ascending.
	if rows := rowUsernames(c.get(smBulk + "?assigned=true&sort=name_asc")); strings.Join(rows, ",") != "alice,tester01" {
		t.Fatalf("assigned rows %v", rows)
	}
	// per_page=50 puts all 32 eligible users on one page, kept by the select.
	res = c.get(smBulk + "?per_page=50")
	if rows := rowUsernames(res); len(rows) != 32 {
		t.Fatalf("per_page=50 shows %d rows", len(rows))
	}
	if res.Doc().Find(`[data-testid="pagination"]`).Length() != 0 {
		t.Fatal("one page of 50 still paginates")
	}
	if v := res.Doc().Find(`select[name="per_page"] option[selected]`).AttrOr("value", ""); v != "50" {
		t.Fatalf("per_page select %q", v)
	}
	// An unknown sort or page size falls back to the defaults.
	if rows := rowUsernames(c.get(smBulk + "?sort=evil&per_page=7")); len(rows) != 20 || rows[0] != "admin" {
		t.Fatalf("fallback rows %v", rows)
	}
}

func TestSeatSearchNeedsThreeCharacters(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	c := a.as("admin")
	res := c.get(smBulk + "?search=bo")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="search-too-short"]`, searchMsg)
	if rows := rowUsernames(res); len(rows) != 7 {
		t.Fatalf("a two-character search filtered: %v", rows)
	}
	if v := res.Doc().Find(`input[name="search"]`).AttrOr("value", ""); v != "bo" {
		t.Fatalf("search box %q", v)
	}
	res = c.get(smBulk + "?search=bob")
	if rows := rowUsernames(res); strings.Join(rows, ",") != "bob" {
		t.Fatalf("search rows %v", rows)
	}
	if res.Doc().Find(`[data-testid="search-too-short"]`).Length() != 0 {
		t.Fatal("the three-character message shows for a valid search")
	}
	res = c.get(smSeats + "?search=nobody-like-this")
	wantText(t, res, `[data-testid="seats-empty"]`, "No users to display.")
	if res.Doc().Find(`[data-testid="seat-table"]`).Length() != 0 {
		t.Fatal("an empty result still draws the table")
	}
}

func TestSeatSwitchAssignsAndUnassigns(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 3)
	c := a.as("admin")
	back := smBulk + "?assigned=false&page=1"
	res := c.post(smSeats+"/assignments", url.Values{"user_id": {a.id("bob")}, "assign": {"1"}, "return_to": {back}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != smBulk+"?assigned=false&page=1" {
		t.Fatalf("Location %q", loc)
	}
	wantFlashContains(t, c.follow(res), "1 user has been successfully assigned a seat.")
	if !a.holders()["bob"] {
		t.Fatal("bob has no seat")
	}
	wantAudit(t, a.app, "seat_assigned", "bob", "admin")

	res = c.post(smSeats+"/assignments", url.Values{"user_id": {a.id("bob")}, "assign": {"0"}, "return_to": {smSeats}})
	wantStatus(t, res, http.StatusSeeOther)
	wantFlashContains(t, c.follow(res), "1 user has been successfully unassigned a seat.")
	if a.holders()["bob"] {
		t.Fatal("bob kept his seat")
	}
	wantAudit(t, a.app, "seat_unassigned", "bob", "admin")

	// return_to only ever leads back to a seat page.
	for _, evil := range []string{"https://evil.example/", "//evil.example/x", "/admin/users", "javascript:alert(1)"} {
		res = c.post(smSeats+"/assignments", url.Values{"user_id": {a.id("bob")}, "assign": {"0"}, "return_to": {evil}})
		if loc := res.Header.Get("Location"); loc != smSeats {
			t.Fatalf("return_to %q led to %q", evil, loc)
		}
	}
	wantStatus(t, c.post(smSeats+"/assignments", url.Values{"user_id": {a.id("bob")}, "assign": {"maybe"}}), http.StatusBadRequest)
	wantStatus(t, c.post(smSeats+"/assignments", url.Values{"user_id": {"x"}, "assign": {"1"}}), http.StatusNotFound)
}

func TestSeatSwitchWithoutFreeSeats(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 1)
	a.assign("alice")
	c := a.as("admin")
	res := c.post(smSeats+"/assignments", url.Values{"user_id": {a.id("bob")}, "assign": {"1"}, "return_to": {smSeats}})
	wantStatus(t, res, http.StatusSeeOther)
	page := c.follow(res)
	wantFlashContains(t, page, "No seats available", "You have assigned all available GitLab Duo add-on seats.", "Add seats")
	if href := page.Doc().Find(`[data-testid="flash-action"]`).AttrOr("href", ""); href != "/admin/subscriptions/"+seatsXID {
		t.Fatalf("Add seats action %q", href)
	}
	if page.Doc().Find(`[data-testid="flash"] h2.gl-alert-title`).Text() != "No seats available" {
		t.Fatal("the alert has no title")
	}
	if a.holders()["bob"] {
		t.Fatal("bob got a seat beyond the quantity")
	}
}

func TestBulkConfirmationTexts(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	c := a.as("admin")
	cases := []struct {
		action, title, msg, submit string
		users                      []string
	}{
		{"assign", "Confirm bulk seat assignment", "This action will assign a GitLab Duo seat to 2 users. Are you sure you want to continue?", "Assign seats", []string{"bob", "carol"}},
		{"assign", "Confirm bulk seat assignment", "This action will assign a GitLab Duo seat to 1 user. Are you sure you want to continue?", "Assign seats", []string{"bob"}},
		{"remove", "Confirm bulk seat removal", "This action will remove GitLab Duo seats from 2 users. Are you sure you want to continue?", "Remove seats", []string{"bob", "carol"}},
		{"remove", "Confirm bulk seat removal", "This action will remove GitLab Duo seat from 1 user. Are you sure you want to continue?", "Remove seats", []string{"bob"}},
	}
	for _, tc := range cases {
		form := url.Values{"bulk_action": {tc.action}, "search": {"Cook"}, "sort": {"name_asc"}}
		for _, u := range tc.users {
			form.Add("user_ids", a.id(u))
		}
		res := c.post(smBulk+"/bulk", form)
		wantStatus(t, res, http.StatusOK)
		wantText(t, res, `h1.page-title`, tc.title)
		wantText(t, res, `[data-testid="bulk-confirm-message"]`, tc.msg)
		wantText(t, res, `[data-testid="bulk-confirm-submit"]`, tc.submit)
		f := res.Doc().Find(`[data-testid="bulk-confirm-form"]`)
		if f.Find(`input[name="user_ids"]`).Length() != len(tc.users) || f.Find(`input[name="confirm"]`).AttrOr("value", "") != "1" {
			t.Fatalf("%s confirm form does not carry the users", tc.action)
		}
		// Cancel keeps the filter and the selection.
		want := url.Values{"search": {"Cook"}, "sort": {"name_asc"}}
		for _, u := range tc.users {
			want.Add("user_ids", a.id(u))
		}
		if cancel := res.Doc().Find(`[data-testid="bulk-cancel"]`).AttrOr("href", ""); cancel != smBulk+"?"+want.Encode() {
			t.Fatalf("Cancel goes to %q", cancel)
		}
		// Back on the table filtered by "Cook", carol's box is ticked again if selected.
		ticked := 0
		if tc.users[len(tc.users)-1] == "carol" {
			ticked = 1
		}
		back := c.get(res.Doc().Find(`[data-testid="bulk-cancel"]`).AttrOr("href", ""))
		if n := back.Doc().Find(`[data-username="carol"] input[name="user_ids"][checked]`).Length(); n != ticked {
			t.Fatalf("after Cancel %d users ticked, want %d", n, ticked)
		}
		wantText(t, back, `[data-testid="bulk-selected-count"]`, seats.SelectedText(int64(ticked)))
		if got := res.Doc().Find(`[data-testid="bulk-confirm-users"] li`).Length(); got != len(tc.users) {
			t.Fatalf("the confirmation names %d users", got)
		}
	}
	if len(a.holders()) != 0 {
		t.Fatal("the confirmation page changed seats")
	}
	res := c.post(smBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "assigned": {"false"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != smBulk+"?assigned=false" {
		t.Fatalf("Location %q", loc)
	}
	wantFlashContains(t, c.follow(res), "Select at least one user.")
}

func TestBulkAssignAndRemoveApply(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	c := a.as("admin")
	res := c.post(smBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "user_ids": {a.id("bob"), a.id("carol")}, "confirm": {"1"}, "per_page": {"50"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != smBulk+"?per_page=50" {
		t.Fatalf("Location %q", loc)
	}
	wantFlashContains(t, c.follow(res), "2 users have been successfully assigned a seat.")
	if h := a.holders(); !h["bob"] || !h["carol"] || len(h) != 2 {
		t.Fatalf("holders %v", h)
	}
	res = c.post(smBulk+"/bulk", url.Values{"bulk_action": {"remove"}, "user_ids": {a.id("bob"), a.id("alice")}, "confirm": {"1"}})
	wantFlashContains(t, c.follow(res), "1 user has been successfully unassigned a seat.")
	if h := a.holders(); h["bob"] || !h["carol"] {
		t.Fatalf("holders %v", h)
	}
	// Nobody selected has a seat (NO_ASSIGNMENTS_FOUND): shown as done.
	res = c.post(smBulk+"/bulk", url.Values{"bulk_action": {"remove"}, "user_ids": {a.id("alice")}, "confirm": {"1"}})
	wantFlashContains(t, c.follow(res), "0 users have been successfully unassigned a seat.")
}

func TestBulkAssignErrors(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 1)
	c := a.as("admin")
	res := c.post(smBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "user_ids": {a.id("bob"), a.id("carol")}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	page := c.follow(res)
	wantFlashContains(t, page, "Not enough seats", "There are not enough seats to assign the GitLab Duo add-on to all selected members.", "Add seats")
	if len(a.holders()) != 0 {
		t.Fatal("a failed bulk assignment wrote seats")
	}
	res = c.post(smBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "user_ids": {a.id("bob"), "987654"}, "confirm": {"1"}})
	wantFlashContains(t, c.follow(res), "Error assigning GitLab Duo add-on",
		"Something went wrong when assigning the add-on to this member. If the problem persists, please contact support.")
	if len(a.holders()) != 0 {
		t.Fatal("a bulk assignment with an unknown user wrote seats")
	}
	wantStatus(t, c.post(smBulk+"/bulk", url.Values{"bulk_action": {"explode"}, "user_ids": {a.id("bob")}}), http.StatusBadRequest)
}

func TestBulkSelectAllMatchingTheFilter(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 40)
	for i := 1; i <= 25; i++ {
		u := a.mustUser(models.UserInput{Username: fmt.Sprintf("tester%02d", i), Name: fmt.Sprintf("Tester %02d", i), Email: fmt.Sprintf("t%d@example.com", i)})
		a.mkMember(models.GroupSource(a.acme), u, models.Reporter)
	}
	c := a.as("owner")
	page := c.get(comBulk + "?search=tester")
	wantStatus(t, page, http.StatusOK)
	if got := strings.TrimSpace(page.Doc().Find(`label[for="seat_select_all"]`).Text()); got != "Select all 25 users matching this filter" {
		t.Fatalf("select-all label %q", got)
	}
	form := page.Doc().Find(`[data-testid="seat-bulk-form"]`)
	if form.Find(`input[name="search"]`).AttrOr("value", "") != "tester" {
		t.Fatal("the bulk form does not carry the filter")
	}
	// Checkboxes sit in the table and join the bulk form by its id.
	if n := page.Doc().Find(`input[name="user_ids"][form="` + form.AttrOr("id", "") + `"]`).Length(); n != 20 {
		t.Fatalf("%d checkboxes on the page", n)
	}
	res := c.post(comBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "select_all": {"1"}, "search": {"tester"}})
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="bulk-confirm-message"]`, "This action will assign a GitLab Duo seat to 25 users. Are you sure you want to continue?")
	f := res.Doc().Find(`[data-testid="bulk-confirm-form"]`)
	if f.Find(`input[name="select_all"]`).AttrOr("value", "") != "1" || f.Find(`input[name="user_ids"]`).Length() != 0 {
		t.Fatal("the confirmation does not carry select_all instead of ids")
	}
	res = c.post(comBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "select_all": {"1"}, "search": {"tester"}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != comBulk+"?search=tester" {
		t.Fatalf("Location %q", loc)
	}
	wantFlashContains(t, c.follow(res), "25 users have been successfully assigned a seat.")
	h := a.holders()
	if len(h) != 25 || h["owner"] || h["dev"] || !h["tester25"] {
		t.Fatalf("holders %v", h)
	}
}

func TestSeatCSVExport(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	a.assign("alice", "bob")
	db, _ := a.store.SQLDB()
	if _, err := db.Exec("UPDATE users SET last_activity_on = $1, last_duo_activity_on = $2 WHERE username = 'alice'", "2026-11-01", "2026-11-02"); err != nil {
		t.Fatal(err)
	}
	res := a.as("admin").get(smBulk + "/export.csv?assigned=true&sort=name_asc")
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("Content-Type %q", ct)
	}
	want := `attachment; filename="gitlab_duo_seats_instance_` + models.Today().String() + `.csv"`
	if cd := res.Header.Get("Content-Disposition"); cd != want {
		t.Fatalf("Content-Disposition %q", cd)
	}
	recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || strings.Join(recs[0], ",") != "username,name,email,max_role,assigned,assigned_at,last_activity_on,last_duo_activity_on" {
		t.Fatalf("csv %v", recs)
	}
	alice, bob := recs[1], recs[2]
	if alice[0] != "alice" || alice[1] != "Alice Archer" || alice[2] != "alice@example.com" || alice[4] != "true" || alice[5] == "" ||
		alice[6] != "2026-11-01" || alice[7] != "2026-11-02" {
		t.Fatalf("alice %v", alice)
	}
	if bob[0] != "bob" || bob[2] != "" || bob[6] != "" {
		t.Fatalf("bob (private email) %v", bob)
	}
}

func TestSeatCSVOnGitLabComNamesTheGroupAndRoles(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	res := a.as("owner").get(comBulk + "/export.csv?sort=name_asc")
	wantStatus(t, res, http.StatusOK)
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, `gitlab_duo_seats_acme_`+models.Today().String()+`.csv`) {
		t.Fatalf("Content-Disposition %q", cd)
	}
	recs, _ := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	roles := map[string]string{}
	for _, r := range recs[1:] {
		roles[r[0]] = r[3]
	}
	if len(roles) != 3 || roles["owner"] != "Owner" || roles["dev"] != "Developer" || roles["pat"] != "Guest" {
		t.Fatalf("roles %v", roles)
	}
}

func TestSeatScreensForAuditorsAreReadOnly(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	sup := a.as("support")
	res := sup.get(smBulk)
	wantStatus(t, res, http.StatusOK)
	if res.Doc().Find(`[data-testid="seat-toggle-form"] fieldset[disabled]`).Length() != 7 {
		t.Fatal("switches are not disabled for an auditor")
	}
	if res.Doc().Find(`[data-testid="seat-bulk-form"] fieldset[disabled]`).Length() != 1 ||
		res.Doc().Find(`input[name="user_ids"]:not([disabled])`).Length() != 0 {
		t.Fatal("the bulk form is not disabled for an auditor")
	}
	wantStatus(t, sup.get(smBulk+"/export.csv"), http.StatusOK)
	wantStatus(t, sup.post(smSeats+"/assignments", url.Values{"user_id": {a.id("bob")}, "assign": {"1"}}), http.StatusForbidden)
	wantStatus(t, sup.post(smBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "user_ids": {a.id("bob")}, "confirm": {"1"}}), http.StatusForbidden)
	if len(a.holders()) != 0 {
		t.Fatal("an auditor assigned a seat")
	}
	wantStatus(t, a.as("dev").get(smSeats), http.StatusNotFound)
}

func TestSeatScreensOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	a.assign("dev")
	c := a.as("owner")
	res := c.get(comSeats)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="seats-used"]`, "1 / 5")
	if rows := rowUsernames(res); strings.Join(rows, ",") != "owner,dev,pat" {
		t.Fatalf("rows %v", rows)
	}
	wantText(t, res, `[data-username="pat"] [data-testid="invite-badge"]`, "Project invite")
	if res.Doc().Find(`[data-username="dev"] [data-testid="invite-badge"]`).Length() != 0 {
		t.Fatal("a direct member has an invite badge")
	}
	// An owner who is not an admin buys seats; only admins provision them.
	if href := res.Doc().Find(`[data-testid="purchase-seats"]`).AttrOr("href", ""); href != "/groups/acme/-/billings" {
		t.Fatalf("Purchase seats links %q", href)
	}
	if res.Doc().Find(`[data-testid="add-seats"]`).Length() != 0 {
		t.Fatal("a non-admin owner sees Add seats")
	}
	if href := a.as("admin").get(comSeats).Doc().Find(`[data-testid="add-seats"]`).AttrOr("href", ""); href != "/admin/subscriptions/"+seatsXID {
		t.Fatalf("admin Add seats links %q", href)
	}
	if res.Doc().Find(`a.sidebar-item[href="/groups/acme/-/settings/gitlab_duo"]`).Length() != 1 {
		t.Fatal("no GitLab Duo item in the group sidebar")
	}
	bulk := c.get(comBulk)
	wantStatus(t, bulk, http.StatusOK)
	wantText(t, bulk, `h1.page-title`, "Usage Quotas Pro")
	if bulk.Doc().Find(`[data-testid="seat-toggle-form"]`).First().AttrOr("action", "") != comSeats+"/assignments" {
		t.Fatal("the bulk table's switches post elsewhere")
	}
	res = c.post(comSeats+"/assignments", url.Values{"user_id": {a.id("pat")}, "assign": {"1"}, "return_to": {comBulk + "?search=pat"}})
	if loc := res.Header.Get("Location"); loc != comBulk+"?search=pat" {
		t.Fatalf("Location %q", loc)
	}
	if !a.holders()["pat"] {
		t.Fatal("pat has no seat")
	}
	// An outsider is not eligible: GitLab's INVALID_USER_MEMBERSHIP.
	out := a.mustUser(models.UserInput{Username: "outsider", Name: "Out Sider", Email: "out@example.com"})
	res = c.post(comSeats+"/assignments", url.Values{"user_id": {fmt.Sprint(out.ID)}, "assign": {"1"}})
	wantFlashContains(t, c.follow(res), "Error assigning GitLab Duo add-on")
}

func TestSeatScreensAreScopedToTheirMode(t *testing.T) {
	t.Parallel()
	com := comSeatsApp(t, 5)
	owner := com.as("owner")
	for _, p := range []string{"/groups/acme/platform/-/settings/gitlab_duo", "/groups/acme/platform/-/usage_quotas/gitlab_duo",
		"/groups/acme/platform/-/usage_quotas/gitlab_duo/export.csv"} {
		wantStatus(t, owner.get(p), http.StatusNotFound)
	}
	wantStatus(t, owner.post("/groups/acme/platform/-/settings/gitlab_duo/assignments", url.Values{"user_id": {com.id("dev")}, "assign": {"1"}}), http.StatusNotFound)
	admin := com.as("admin")
	// smSeats itself is GitLab.com's read-only overview there (admin_gitlab_duo_com_test.go).
	for _, p := range []string{smBulk, smBulk + "/export.csv"} {
		wantStatus(t, admin.get(p), http.StatusNotFound)
	}
	wantStatus(t, com.as("dev").get(comSeats), http.StatusNotFound)

	sm := smSeatsApp(t, 5)
	sm.mkGroup(nil, "acme", "Acme", models.PlanUltimate)
	for _, p := range []string{comSeats, comBulk, comBulk + "/export.csv"} {
		wantStatus(t, sm.as("admin").get(p), http.StatusNotFound)
	}
}

func TestSeatScreensWithoutPurchaseShowTheEmptyState(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	a.acmeOwnedByOwner()
	c := a.as("owner")
	for _, p := range []string{comSeats, comBulk} {
		res := c.get(p)
		wantStatus(t, res, http.StatusOK)
		wantText(t, res, `[data-testid="empty-state-title"]`, "Introducing GitLab Duo")
		if !strings.Contains(res.Body, "Enhance your coding experience with intelligent recommendations.") {
			t.Fatal("no empty-state text")
		}
		if res.Doc().Find(`[data-testid="start-trial"]`).AttrOr("href", "") != "/groups/acme/-/billings" {
			t.Fatal("no Start a trial button")
		}
		if res.Doc().Find(`[data-testid="seat-table"]`).Length() != 0 {
			t.Fatal("a table without a purchase")
		}
	}
	wantStatus(t, c.get(comBulk+"/export.csv"), http.StatusNotFound)
	wantStatus(t, c.post(comSeats+"/assignments", url.Values{"user_id": {fmt.Sprint(a.users["owner"].ID)}, "assign": {"1"}}), http.StatusNotFound)
	wantStatus(t, c.post(comBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "user_ids": {"1"}}), http.StatusNotFound)

	free := a.mkGroup(nil, "freebies", "Freebies", models.PlanFree)
	a.mkMember(models.GroupSource(free), a.users["owner"], models.Owner)
	res := c.get("/groups/freebies/-/settings/gitlab_duo")
	if !strings.Contains(res.Body, "Before you can buy GitLab Duo seats, you&#39;ll need a Premium or Ultimate subscription.") {
		t.Fatal("a free group is not told it needs Premium or Ultimate")
	}
	if res.Doc().Find(`[data-testid="start-trial"]`).Length() != 0 {
		t.Fatal("a free group is offered a trial")
	}
}

func TestSeatScreensForExpiredPurchases(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.SelfManaged)
	if err := a.store.SetInstancePlan(context.Background(), models.Automation, models.PlanUltimate); err != nil {
		t.Fatal(err)
	}
	sa := &seatsApp{app: a, list: smSeats, bulk: smBulk}
	ended := models.Today().AddDays(-3)
	// dev got the seat while the purchase ran (no seat of an ended one is
	// ever assigned); the purchase has ended since.
	sa.purchase = sa.buy(nil, models.AddOnDuoEnterprise, 5, models.Today().AddDays(-300), models.Today().AddDays(30), false)
	sa.assign("dev")
	sqlExec(t, a, "UPDATE add_on_purchases SET expires_on = $1 WHERE id = $2", ended.String(), sa.purchase.ID)
	c := a.as("admin")
	res := c.get(smBulk)
	wantStatus(t, res, http.StatusOK)
	keep := ended.AddDays(models.ExpiryGraceDays)
	wantText(t, res, `[data-testid="seat-notice"]`, "Your GitLab Duo Enterprise subscription expired on "+components.Date(ended)+
		". Access to GitLab Duo Enterprise is suspended until the subscription is renewed. Seat assignments are kept until "+components.Date(keep)+".")
	wantText(t, res, `h1.page-title`, "Seat utilization Enterprise")
	if res.Doc().Find(`[data-testid="contact-sales"]`).Length() != 1 {
		t.Fatal("no Contact sales for Enterprise")
	}
	// Seats can be removed but not assigned while the purchase is inactive.
	if res.Doc().Find(`[data-username="owner"] [data-testid="seat-toggle-form"] fieldset[disabled]`).Length() != 1 ||
		res.Doc().Find(`[data-username="dev"] [data-testid="seat-toggle-form"] fieldset[disabled]`).Length() != 0 {
		t.Fatal("switches of an expired purchase: assign should be disabled, remove enabled")
	}
	res = c.post(smSeats+"/assignments", url.Values{"user_id": {sa.id("owner")}, "assign": {"1"}})
	wantFlashContains(t, c.follow(res), "Error assigning GitLab Duo add-on", "not active")
	if sa.holders()["owner"] {
		t.Fatal("a seat was assigned on an expired purchase")
	}

	// An expired trial is GitLab's "trial has expired" empty state.
	com := newApp(t, storetest.Any(t), models.GitLabCom)
	acme := com.acmeOwnedByOwner()
	ct := &seatsApp{app: com}
	ct.buy(&acme.ID, models.AddOnDuoPro, 5, models.Today().AddDays(-70), models.Today().AddDays(-10), true)
	res = com.as("owner").get(comSeats)
	wantText(t, res, `[data-testid="empty-state-title"]`, "Your GitLab Duo Pro trial has expired")
}
