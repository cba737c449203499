package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/views/pages/seats"
)

func (a *seatsApp) holdersOf(p *models.AddOnPurchase) map[string]bool {
	a.t.Helper()
	keep := a.purchase
	defer func() { a.purchase = keep }()
	a.purchase = p
	return a.holders()
}

// withEnterprise adds a Duo Enterprise purchase (the instance needs
// Ultimate for it) beside the scope's Duo Pro, with owner holding one of
// its seats.
func (a *seatsApp) withEnterprise(ns *int64, trial bool) *models.AddOnPurchase {
	a.t.Helper()
	if ns == nil {
		if err := a.store.SetInstancePlan(context.Background(), models.Automation, models.PlanUltimate); err != nil {
			a.t.Fatal(err)
		}
	}
	e := a.buy(ns, models.AddOnDuoEnterprise, 3, models.Today().AddDays(-1), models.Today().AddDays(50), trial)
	owner := a.users["owner"]
	if _, err := a.store.AssignSeat(context.Background(), models.Automation, e.ID, owner.ID); err != nil {
		a.t.Fatal(err)
	}
	return e
}

// With Duo Pro and Duo Enterprise (an Enterprise trial on GitLab.com) both
// stay manageable: the switcher names both with their seats used,
// Enterprise first; ?add_on= picks the table and every link, form and
// redirect keeps it.
func TestAddOnSwitcherManagesBothPurchases(t *testing.T) {
	t.Parallel()
	sm := smSeatsApp(t, 5)
	com := comSeatsApp(t, 5)
	for _, u := range []models.UserInput{{Username: "alice", Name: "Alice Archer", Email: "alice@example.com", PublicEmail: true},
		{Username: "bob", Name: "Bob Baker", Email: "bob@example.com"}, {Username: "carol", Name: "Carol Cook", Email: "carol@example.com"}} {
		com.mkMember(models.GroupSource(com.acme), com.mustUser(u), models.Developer)
	}
	for _, tc := range []struct {
		name    string
		a       *seatsApp
		ns      *int64
		who     string
		trial   bool
		heading string
	}{
		{"self-managed", sm, nil, "admin", false, "Seat utilization"},
		{"GitLab.com", com, &com.acme.ID, "owner", true, "Usage Quotas"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.a
			ent := a.withEnterprise(tc.ns, tc.trial)
			a.assign("alice", "bob")
			c := a.as(tc.who)
			for _, page := range []string{a.list, a.bulk} {
				res := c.get(page)
				wantStatus(t, res, http.StatusOK)
				tabs := res.Doc().Find(`[data-testid="add-on-switcher"] a`)
				if tabs.Length() != 2 || tabs.First().AttrOr("data-testid", "") != "add-on-tab-duo_enterprise" {
					t.Fatalf("%s: switcher %q", page, tabs.Text())
				}
				wantText(t, res, `[data-testid="add-on-tab-duo_enterprise"] [data-testid="add-on-seats-used"]`, "1 / 3 seats used")
				wantText(t, res, `[data-testid="add-on-tab-duo_pro"] [data-testid="add-on-seats-used"]`, "2 / 5 seats used")
				if res.Doc().Find(`[data-testid="add-on-tab-duo_enterprise"][aria-current="page"]`).Length() != 1 {
					t.Fatalf("%s: Enterprise is not the default", page)
				}
				if href := res.Doc().Find(`[data-testid="add-on-tab-duo_pro"]`).AttrOr("href", ""); href != page+"?add_on=duo_pro" {
					t.Fatalf("%s: Pro tab links %q", page, href)
				}
			}
			// The GitLab Duo page's "Assign seats" opens the shown add-on's table.
			res := c.get(a.list + "?add_on=duo_pro")
			if href := res.Doc().Find(`[data-testid="assign-seats"]`).AttrOr("href", ""); href != a.bulk+"?add_on=duo_pro" {
				t.Fatalf("Pro's Assign seats links %q", href)
			}
			res = c.get(a.list)
			if href := res.Doc().Find(`[data-testid="assign-seats"]`).AttrOr("href", ""); href != a.bulk+"?add_on=duo_enterprise" {
				t.Fatalf("Enterprise's Assign seats links %q", href)
			}

			pro := c.get(a.bulk + "?add_on=duo_pro&search=Baker")
			wantText(t, pro, `h1.page-title`, tc.heading+" Pro")
			wantText(t, pro, `[data-testid="seat-table"] thead th:nth-child(3)`, "GitLab Duo Pro")
			if pro.Doc().Find(`[data-username="bob"] [aria-checked="true"]`).Length() != 1 {
				t.Fatal("bob's Pro seat is not shown on the Pro table")
			}
			if pro.Doc().Find(`[data-testid="seat-filter"] input[name="add_on"]`).AttrOr("value", "") != "duo_pro" ||
				!strings.Contains(pro.Doc().Find(`[data-testid="seat-bulk-form"]`).AttrOr("action", ""), "add_on=duo_pro") ||
				!strings.Contains(pro.Doc().Find(`[data-testid="seat-toggle-form"]`).AttrOr("action", ""), "add_on=duo_pro") ||
				!strings.Contains(pro.Doc().Find(`[data-testid="export-csv"]`).AttrOr("href", ""), "add_on=duo_pro") ||
				!strings.Contains(pro.Doc().Find(`[data-testid="tab-seats"]`).AttrOr("href", ""), "add_on=duo_pro") {
				t.Fatal("the Pro table's filter, forms, export or tabs lose the add-on")
			}

			// A Pro seat by the switch, back to the Pro table.
			res = c.post(pro.Doc().Find(`[data-username="bob"] [data-testid="seat-toggle-form"]`).AttrOr("action", ""),
				url.Values{"user_id": {a.id("carol")}, "assign": {"1"}, "return_to": {a.bulk + "?add_on=duo_pro"}})
			wantStatus(t, res, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != a.bulk+"?add_on=duo_pro" {
				t.Fatalf("Location %q", loc)
			}
			if !a.holdersOf(a.purchase)["carol"] || a.holdersOf(ent)["carol"] {
				t.Fatal("the Pro switch did not assign a Pro seat")
			}
			// In bulk: the confirmation and the redirect keep the add-on.
			form := url.Values{"bulk_action": {"assign"}, "user_ids": {a.id("dev")}}
			res = c.post(a.bulk+"/bulk?add_on=duo_pro", form)
			wantStatus(t, res, http.StatusOK)
			confirm := res.Doc().Find(`[data-testid="bulk-confirm-form"]`)
			if !strings.Contains(confirm.AttrOr("action", ""), "add_on=duo_pro") ||
				!strings.Contains(res.Doc().Find(`[data-testid="bulk-cancel"]`).AttrOr("href", ""), "add_on=duo_pro") {
				t.Fatal("the confirmation loses the add-on")
			}
			form.Set("confirm", "1")
			res = c.post(confirm.AttrOr("action", ""), form)
			if loc := res.Header.Get("Location"); loc != a.bulk+"?add_on=duo_pro" {
				t.Fatalf("bulk Location %q", loc)
			}
			if !a.holdersOf(a.purchase)["dev"] || a.holdersOf(ent)["dev"] {
				t.Fatal("the bulk form did not assign a Pro seat")
			}
			// Enterprise's own table is untouched by all that.
			ents := c.get(a.bulk + "?add_on=duo_enterprise")
			if got := rowUsernames(c.get(a.bulk + "?add_on=duo_enterprise&assigned=true")); strings.Join(got, ",") != "owner" {
				t.Fatalf("Enterprise holders %v", got)
			}
			wantText(t, ents, `[data-testid="seats-used"]`, "1 / 3")
			csv := c.get(a.bulk + "/export.csv?add_on=duo_pro&assigned=true")
			if !strings.Contains(csv.Body, "carol") || strings.Contains(csv.Body, "\nowner,") {
				t.Fatalf("Pro CSV %q", csv.Body)
			}
		})
	}
}

// A namespace without a purchase of the add-on asked for has nothing to
// change: no seat of the other add-on is touched.
func TestAddOnSwitcherRefusesAMissingAddOn(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	c := a.as("admin")
	wantStatus(t, c.post(smSeats+"/assignments?add_on=duo_enterprise", url.Values{"user_id": {a.id("bob")}, "assign": {"1"}}), http.StatusNotFound)
	wantStatus(t, c.post(smBulk+"/bulk?add_on=duo_enterprise", url.Values{"bulk_action": {"assign"}, "user_ids": {a.id("bob")}, "confirm": {"1"}}), http.StatusNotFound)
	if len(a.holders()) != 0 {
		t.Fatal("a Pro seat was assigned for an Enterprise request")
	}
	// One purchase: no switcher.
	if c.get(smBulk).Doc().Find(`[data-testid="add-on-switcher"]`).Length() != 0 {
		t.Fatal("a switcher with one add-on")
	}
}

// A group with Duo Enterprise (a trial too) is not offered a Duo Pro trial.
func TestNoProTrialBesideEnterprise(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	acme := a.acmeOwnedByOwner()
	sa := &seatsApp{app: a, acme: acme}
	c := a.as("owner")
	if c.get("/groups/acme/-/billings").Doc().Find(`[data-testid="trial-card-duo_pro"]`).Length() != 1 {
		t.Fatal("no Pro trial offered before Enterprise")
	}
	sa.buy(&acme.ID, models.AddOnDuoEnterprise, 5, models.Today(), models.Today().AddDays(60), true)
	if c.get("/groups/acme/-/billings").Doc().Find(`[data-testid="trial-card-duo_pro"]`).Length() != 0 {
		t.Fatal("a Pro trial offered beside Enterprise")
	}
	page := c.follow(c.post("/groups/acme/-/billings/trials", url.Values{"add_on": {"duo_pro"}}))
	if page.Flash() != "Acme already has GitLab Duo Enterprise, which includes everything in GitLab Duo Pro." {
		t.Fatalf("flash %q", page.Flash())
	}
	if ps := a.purchases(&acme.ID); len(ps) != 1 {
		t.Fatalf("purchases %+v", ps)
	}
}

// A selection larger than the free seats is refused before the
// confirmation, with the numbers, GitLab's two ways out and the selection
// still ticked; nothing changes.
func TestNotEnoughSeatsBeforeConfirmation(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 2)
	a.assign("alice")
	c := a.as("admin")
	// alice holds a seat already: 3 of the 4 selected need one, 1 is free.
	form := url.Values{"bulk_action": {"assign"}, "sort": {"name_asc"}, "user_ids": {a.id("alice"), a.id("bob"), a.id("carol"), a.id("dev")}}
	res := c.post(smBulk+"/bulk", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if res.Doc().Find(`[data-testid="bulk-confirm-form"]`).Length() != 0 {
		t.Fatal("a confirmation for a selection that cannot be assigned")
	}
	wantText(t, res, `[data-testid="not-enough-seats"] .gl-alert-title`, "Not enough seats")
	wantText(t, res, `[data-testid="not-enough-seats-body"]`,
		"There are not enough seats to assign the GitLab Duo add-on to all selected members: 3 users selected without a seat, 1 seat is available.")
	if res.Doc().Find(`[data-testid="not-enough-purchase"]`).AttrOr("href", "") != "/admin/subscriptions/"+seatsXID ||
		res.Text(`[data-testid="not-enough-contact-sales"]`) != "Contact sales" {
		t.Fatal("no Purchase seats / Contact sales")
	}
	if n := res.Doc().Find(`input[name="user_ids"][checked]`).Length(); n != 4 {
		t.Fatalf("%d users still ticked", n)
	}
	wantText(t, res, `[data-testid="bulk-selected-count"]`, "4 users selected")
	if res.Doc().Find(`select[name="sort"] option[selected]`).AttrOr("value", "") != "name_asc" {
		t.Fatal("the filter is lost")
	}
	if h := a.holders(); len(h) != 1 {
		t.Fatalf("holders %v", h)
	}
	// Select all is refused the same way, counted in SQL.
	res = c.post(smBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "select_all": {"1"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if res.Doc().Find(`#seat_select_all[checked]`).Length() != 1 {
		t.Fatal("select all is not kept")
	}
	// A selection that fits goes on to the confirmation.
	res = c.post(smBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "user_ids": {a.id("alice"), a.id("bob")}})
	wantStatus(t, res, http.StatusOK)
	if res.Doc().Find(`[data-testid="bulk-confirm-form"]`).Length() != 1 {
		t.Fatal("no confirmation for a selection that fits")
	}
}

// The confirmation names the first 20 users, then "and N more"; the
// table's pagination has First/Last and the page count; names link to the
// user's GitLab Duo page; the bar counts the selection.
func TestSeatTableConfirmListPaginationAndLinks(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 50)
	for i := 1; i <= 45; i++ {
		a.mustUser(models.UserInput{Username: fmt.Sprintf("tester%02d", i), Name: fmt.Sprintf("Tester %02d", i), Email: fmt.Sprintf("t%d@example.com", i)})
	}
	c := a.as("admin")
	res := c.post(smBulk+"/bulk", url.Values{"bulk_action": {"assign"}, "select_all": {"1"}, "search": {"tester"}, "sort": {"name_asc"}})
	wantStatus(t, res, http.StatusOK)
	items := res.Doc().Find(`[data-testid="bulk-confirm-users"] li`)
	if items.Length() != 21 || strings.TrimSpace(items.First().Text()) != "Tester 01 (@tester01)" {
		t.Fatalf("confirmation list %q", items.Text())
	}
	wantText(t, res, `[data-testid="bulk-confirm-more"]`, "and 25 more")
	if cancel := res.Doc().Find(`[data-testid="bulk-cancel"]`).AttrOr("href", ""); !strings.Contains(cancel, "select_all=1") {
		t.Fatalf("Cancel drops select all: %q", cancel)
	}

	page := c.get(smBulk + "?search=tester&page=2")
	wantText(t, page, `[data-testid="pagination-count"]`, "Page 2 of 3")
	first := page.Doc().Find(`[data-testid="pagination-first"]`).AttrOr("href", "")
	last := page.Doc().Find(`[data-testid="pagination-last"]`).AttrOr("href", "")
	if first != smBulk+"?page=1&search=tester" || last != smBulk+"?page=3&search=tester" {
		t.Fatalf("First %q, Last %q", first, last)
	}
	wantText(t, page, `[data-testid="bulk-selected-count"]`, "0 users selected")
	if href := page.Doc().Find(`[data-username="tester21"] [data-testid="seat-user-link"]`).AttrOr("href", ""); href != "/admin/users/tester21/gitlab_duo" {
		t.Fatalf("user link %q", href)
	}
	if got := page.Doc().Find(`select[name="sort"] option[value="name_asc"]`).Text(); got != "Name" {
		t.Fatalf("sort label %q", got)
	}
	if got := page.Doc().Find(`select[name="sort"] option[value="last_activity_on_desc"]`).Text(); got != "Last activity" {
		t.Fatalf("sort label %q", got)
	}
	if seats.SelectedText(1) != "1 user selected" {
		t.Fatal("singular")
	}
}

// On GitLab.com an owner's seat table links a direct member's name to
// their GitLab Duo member page (pat, in through a project, has none); the
// page's heading is its breadcrumb's "Usage Quotas"; a success alert can
// be dismissed without JavaScript.
func TestGitLabComSeatTableLinksHeadingAndDismiss(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	c := a.as("owner")
	dm := membership(t, a.app, models.GroupSource(a.acme), a.users["dev"])
	res := c.post(comSeats+"/assignments", url.Values{"user_id": {a.id("dev")}, "assign": {"1"}, "return_to": {comBulk}})
	page := c.follow(res)
	wantText(t, page, `h1.page-title`, "Usage Quotas Pro")
	wantText(t, page, `.breadcrumb li:last-child, nav[aria-label="Breadcrumb"] li:last-child`, "Usage Quotas")
	if href := page.Doc().Find(`[data-username="dev"] [data-testid="seat-user-link"]`).AttrOr("href", ""); href != fmt.Sprintf("/groups/acme/-/group_members/%d/gitlab_duo", dm.ID) {
		t.Fatalf("dev links %q", href)
	}
	if page.Doc().Find(`[data-username="pat"] [data-testid="seat-user-link"]`).Length() != 0 {
		t.Fatal("pat has no member page, yet is linked")
	}
	flash := page.Doc().Find(`[data-testid="flash"]`)
	box := flash.Prev()
	if !box.Is(`input[type="checkbox"].flash-dismiss`) || flash.Find(`label[for="`+box.AttrOr("id", "")+`"]`).Length() != 1 {
		t.Fatal("the success alert has no dismiss control that works without JavaScript")
	}
}
