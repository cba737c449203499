package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/views/components"
)

func fmtDate(d models.Date) string { return components.Date(d) }

func addMonths(d models.Date, m int) models.Date { return models.DateOf(d.AddDate(0, m, 0)) }

func (a *app) purchases(ns *int64) []models.AddOnPurchase {
	a.t.Helper()
	ps, err := a.store.PurchasesFor(context.Background(), ns)
	if err != nil {
		a.t.Fatal(err)
	}
	return ps
}

func newSubscriptionForm(name, plan, seats string) url.Values {
	today := models.Today()
	return url.Values{"name": {name}, "plan": {plan}, "seats": {seats}, "starts_on": {today.AddDays(-1).String()},
		"ends_on": {addMonths(today, 12).String()}}
}

// hiddenFields are a form's hidden inputs but the token.
func hiddenFields(r *response, form string) url.Values {
	out := url.Values{}
	r.Doc().Find(`[data-testid="` + form + `"] input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		v, _ := s.Attr("value")
		if name != "authenticity_token" {
			out.Add(name, v)
		}
	})
	return out
}

// The staff flow on self-managed: create the subscription, Create order →
// Add product → Activate, Add seats within and beyond the subscription's
// seats, and renew.
func TestProvisioningFlowSelfManaged(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	today := models.Today()

	res := c.get("/admin/subscriptions")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `.sidebar-item.active`, "Subscriptions")
	if res.Doc().Find(`[data-testid="new-subscription-form"] input[name="namespace"]`).Length() != 0 {
		t.Fatal("self-managed asks for a group")
	}

	// Bad input re-renders with the values and errors.
	bad := newSubscriptionForm("A-S00012345", "premium", "lots")
	bad.Set("ends_on", today.AddDays(-5).String())
	res = c.post("/admin/subscriptions", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "seats", "must be a whole number of at least 1")
	if v, _ := res.Doc().Find(`input[name="name"]`).Attr("value"); v != "A-S00012345" {
		t.Fatalf("name not kept: %q", v)
	}

	res = c.post("/admin/subscriptions", newSubscriptionForm("A-S00012345", "premium", "100"))
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin/subscriptions/A-S00012345" {
		t.Fatalf("Location %q", loc)
	}
	page := c.follow(res)
	if page.Flash() != "Subscription A-S00012345 was successfully created." {
		t.Fatalf("flash %q", page.Flash())
	}
	wantText(t, page, `[data-testid="subscription-plan"]`, "Premium")
	wantText(t, page, `[data-testid="subscription-seats"]`, "100")
	if a.duoInstance().Plan != models.PlanPremium {
		t.Fatal("the subscription did not set the instance's plan")
	}
	wantAudit(t, a, "subscription_created", "A-S00012345", "admin")

	// Find it by name.
	res = c.get("/admin/subscriptions?search=s0001")
	if res.Doc().Find(`[data-testid="subscription-row"][data-name="A-S00012345"]`).Length() != 1 {
		t.Fatal("search does not find the subscription")
	}
	wantText(t, c.get("/admin/subscriptions?search=nothing"), `[data-testid="subscriptions-empty"]`, "No subscriptions found.")
	// One subscription per instance: the form gives way.
	if c.get("/admin/subscriptions").Doc().Find(`[data-testid="instance-has-subscription"]`).Length() != 1 {
		t.Fatal("the form is offered for a second instance subscription")
	}

	// Create order → Add product.
	res = c.get("/admin/subscriptions/A-S00012345/orders/new")
	wantStatus(t, res, http.StatusOK)
	if v, _ := res.Doc().Find(`input[name="add_on"]:checked`).Attr("value"); v != "duo_pro" {
		t.Fatalf("default product on Premium %q", v)
	}
	order := url.Values{"add_on": {"duo_enterprise"}, "quantity": {"40"}, "term": {"24"}, "confirm_selection": {"1"}}
	res = c.post("/admin/subscriptions/A-S00012345/orders", order)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "add_on", "GitLab Duo Enterprise needs an Ultimate plan; this instance has Premium")

	order.Set("add_on", "duo_pro")
	order.Set("quantity", "101")
	order.Del("confirm_selection")
	res = c.post("/admin/subscriptions/A-S00012345/orders", order)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "quantity", "GitLab Duo seats cannot exceed the subscription's seats (100)")
	wantFieldError(t, res, "confirm_selection", "must be checked to confirm your selection")

	order.Set("quantity", "40")
	order.Set("confirm_selection", "1")
	res = c.post("/admin/subscriptions/A-S00012345/orders", order)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="review-product"]`, "GitLab Duo Pro")
	wantText(t, res, `[data-testid="review-quantity"]`, "40")
	wantText(t, res, `[data-testid="review-end"]`, fmtDate(addMonths(today, 24)))
	if len(a.purchases(nil)) != 0 {
		t.Fatal("the review step bought something")
	}

	// Activate.
	activate := hiddenFields(res, "activate-form")
	if activate.Get("activate") != "1" || activate.Get("add_on") != "duo_pro" {
		t.Fatalf("activate form %v", activate)
	}
	res = c.post("/admin/subscriptions/A-S00012345/orders", activate)
	wantStatus(t, res, http.StatusSeeOther)
	page = c.follow(res)
	if page.Flash() != "GitLab Duo Pro was activated on A-S00012345." {
		t.Fatalf("flash %q", page.Flash())
	}
	ps := a.purchases(nil)
	if len(ps) != 1 {
		t.Fatalf("%d purchases", len(ps))
	}
	p := ps[0]
	if p.AddOn != models.AddOnDuoPro || p.Quantity != 40 || p.Trial || p.PurchaseXID != "A-S00012345" ||
		p.StartedAt.String() != today.String() || p.ExpiresOn.String() != addMonths(today, 24).String() {
		t.Fatalf("purchase %+v", p)
	}
	wantAudit(t, a, "add_on_purchase_created", "duo_pro", "admin")
	wantText(t, page, `[data-testid="purchase-card"] [data-testid="seats-used"]`, "0 / 40")
	// Twice the same product is refused.
	res = c.post("/admin/subscriptions/A-S00012345/orders", activate)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "add_on", "GitLab Duo Pro is already on this subscription: add seats or renew it instead")

	// Add seats: within the subscription's seats, then beyond.
	id := strconv.FormatInt(p.ID, 10)
	res = c.post("/admin/subscriptions/A-S00012345/add_seats", url.Values{"purchase_id": {id}, "seats": {"50"}})
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != "Added 50 seats to GitLab Duo Pro: 90 seats in total." {
		t.Fatalf("flash %q", page.Flash())
	}
	res = c.post("/admin/subscriptions/A-S00012345/add_seats", url.Values{"purchase_id": {id}, "seats": {"20"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "seats", "GitLab Duo seats cannot exceed the subscription's seats (100)")
	if v, _ := res.Doc().Find(`[data-testid="add-seats-form"] input[name="seats"]`).Attr("value"); v != "20" {
		t.Fatalf("typed seats not kept: %q", v)
	}
	res = c.post("/admin/subscriptions/A-S00012345/add_seats", url.Values{"purchase_id": {id}, "seats": {"-3"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "seats", "must be a whole number of at least 1")
	if got := a.purchases(nil)[0].Quantity; got != 90 {
		t.Fatalf("quantity %d after refused additions", got)
	}

	// Renew: the same purchase, a later end date.
	res = c.post("/admin/subscriptions/A-S00012345/renew", url.Values{"purchase_id": {id}, "term": {"12"}})
	wantStatus(t, res, http.StatusSeeOther)
	until := addMonths(addMonths(today, 24), 12)
	if page := c.follow(res); page.Flash() != "GitLab Duo Pro on A-S00012345 was renewed until "+fmtDate(until)+"." {
		t.Fatalf("flash %q", page.Flash())
	}
	ps = a.purchases(nil)
	if len(ps) != 1 || ps[0].ID != p.ID || ps[0].ExpiresOn.String() != until.String() || ps[0].Quantity != 90 {
		t.Fatalf("after renewal %+v", ps)
	}
	wantAudit(t, a, "add_on_purchase_updated", "duo_pro", "admin")
	res = c.post("/admin/subscriptions/A-S00012345/renew", url.Values{"purchase_id": {id}, "expires_on": {today.String()}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "expires_on", "must be after the current end date, "+fmtDate(until))
	res = c.post("/admin/subscriptions/A-S00012345/renew", url.Values{"purchase_id": {id}, "expires_on": {"2099-12-31"}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := a.purchases(nil)[0].ExpiresOn.String(); got != "2099-12-31" {
		t.Fatalf("expires on %s", got)
	}

	// Unknown subscriptions and purchases are 404.
	wantStatus(t, c.get("/admin/subscriptions/A-S99999999"), http.StatusNotFound)
	wantStatus(t, c.get("/admin/subscriptions/A-S99999999/orders/new"), http.StatusNotFound)
	wantStatus(t, c.post("/admin/subscriptions/A-S99999999/orders", order), http.StatusNotFound)
	wantStatus(t, c.post("/admin/subscriptions/A-S00012345/add_seats", url.Values{"purchase_id": {"987654"}, "seats": {"1"}}), http.StatusNotFound)
	wantStatus(t, c.post("/admin/subscriptions/A-S00012345/renew", url.Values{"purchase_id": {"x"}, "term": {"12"}}), http.StatusNotFound)
}

func TestProvisioningForAuditorsIsReadOnly(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := a.as("admin")
	wantStatus(t, admin.post("/admin/subscriptions", newSubscriptionForm("A-S00000001", "ultimate", "10")), http.StatusSeeOther)
	wantStatus(t, admin.post("/admin/subscriptions/A-S00000001/orders", url.Values{"add_on": {"duo_pro"}, "quantity": {"1"},
		"term": {"12"}, "confirm_selection": {"1"}, "activate": {"1"}}), http.StatusSeeOther)
	s := a.as("support")
	for _, path := range []string{"/admin/subscriptions", "/admin/subscriptions/A-S00000001", "/admin/subscriptions/A-S00000001/orders/new", "/admin/subscription"} {
		res := s.get(path)
		wantStatus(t, res, http.StatusOK)
		if res.Doc().Find(`form[method="post"] fieldset[disabled]`).Length() == 0 && path != "/admin/subscriptions" {
			t.Fatalf("%s: forms are not disabled for the auditor", path)
		}
	}
	wantStatus(t, s.post("/admin/subscriptions/A-S00000001/orders", url.Values{"add_on": {"duo_pro"}, "quantity": {"1"},
		"term": {"12"}, "confirm_selection": {"1"}, "activate": {"1"}}), http.StatusForbidden)
	wantStatus(t, s.post("/admin/subscriptions/A-S00000001/add_seats", url.Values{"purchase_id": {strconv.FormatInt(a.purchases(nil)[0].ID, 10)},
		"seats": {"1"}}), http.StatusForbidden)
	if ps := a.purchases(nil); len(ps) != 1 || ps[0].Quantity != 1 {
		t.Fatal("the auditor changed purchases")
	}
	for _, u := range []string{"owner", "dev"} {
		wantStatus(t, a.as(u).get("/admin/subscriptions"), http.StatusNotFound)
	}
}

func TestProvisioningOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	acme := a.mkGroup(nil, "acme", "Acme", models.PlanFree)
	a.mkGroup(acme, "sub", "Sub", "")
	c := a.as("admin")

	form := newSubscriptionForm("A-S00055555", "ultimate", "30")
	res := c.post("/admin/subscriptions", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "namespace", "can't be blank")
	form.Set("namespace", "acme/sub")
	res = c.post("/admin/subscriptions", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "namespace", "must be a top-level group")
	form.Set("namespace", "nowhere")
	wantFieldError(t, c.post("/admin/subscriptions", form), "namespace", "no group with this path")

	form.Set("namespace", "acme")
	wantStatus(t, c.post("/admin/subscriptions", form), http.StatusSeeOther)
	if a.duoGroup(acme).Plan != models.PlanUltimate {
		t.Fatal("acme's plan was not set")
	}
	page := c.get("/admin/subscriptions/A-S00055555")
	wantText(t, page, `[data-testid="subscription-group"]`, "acme")
	list := c.get("/admin/subscriptions")
	if !strings.Contains(list.Text(`[data-testid="subscription-row"]`), "acme") {
		t.Fatal("the list does not name the group")
	}

	res = c.post("/admin/subscriptions/A-S00055555/orders", url.Values{"add_on": {"duo_enterprise"}, "quantity": {"30"}, "term": {"36"},
		"confirm_selection": {"1"}, "activate": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != "GitLab Duo Enterprise was activated on A-S00055555." {
		t.Fatalf("flash %q", page.Flash())
	}
	ps := a.purchases(&acme.ID)
	if len(ps) != 1 || ps[0].AddOn != models.AddOnDuoEnterprise || *ps[0].NamespaceID != acme.ID ||
		ps[0].ExpiresOn.String() != addMonths(models.Today(), 36).String() {
		t.Fatalf("purchases %+v", ps)
	}
	// The instance's page does not exist on GitLab.com.
	wantStatus(t, c.get("/admin/subscription"), http.StatusNotFound)
	wantStatus(t, c.post("/admin/subscription/sync", nil), http.StatusNotFound)
	if c.get("/admin").Doc().Find(`a.sidebar-item[href="/admin/subscription"]`).Length() != 0 {
		t.Fatal("GitLab.com's admin sidebar links the instance subscription")
	}
}

func TestAdminSubscriptionPageAndSync(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	c := a.as("admin")

	res := c.get("/admin/subscription")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `.sidebar-item.active`, "Subscription")
	if href, _ := res.Doc().Find(`[data-testid="provision-link"]`).Attr("href"); href != "/admin/subscriptions" {
		t.Fatalf("empty state links %q", href)
	}
	res = c.post("/admin/subscription/sync", nil)
	if page := c.follow(res); page.Flash() != "There is no subscription to synchronize." {
		t.Fatalf("flash %q", page.Flash())
	}

	wantStatus(t, c.post("/admin/subscriptions", newSubscriptionForm("A-S00077777", "ultimate", "20")), http.StatusSeeOther)
	actor := models.ActorFor(a.users["admin"])
	today := models.Today()
	ent, err := a.store.CreatePurchase(ctx, actor, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise,
		Quantity: 5, StartedAt: &today, ExpiresOn: today.AddDays(100), PurchaseXID: "A-S00077777"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.AssignSeat(ctx, actor, ent.ID, a.users["dev"].ID); err != nil {
		t.Fatal(err)
	}
	old := today.AddDays(-400)
	if _, err := a.store.CreatePurchase(ctx, actor, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: 3, StartedAt: &old, ExpiresOn: today.AddDays(-30), Trial: true}); err != nil {
		t.Fatal(err)
	}

	res = c.get("/admin/subscription")
	wantText(t, res, `[data-testid="subscription-name"]`, "A-S00077777")
	wantText(t, res, `[data-testid="last-sync"]`, "Never")
	ent1 := res.Doc().Find(`[data-testid="purchase-row"][data-add-on="duo_enterprise"]`)
	if got := strings.TrimSpace(ent1.Find(`[data-testid="seats-used"]`).Text()); got != "1 / 5" {
		t.Fatalf("seats used %q", got)
	}
	if got := strings.TrimSpace(ent1.Find(`[data-testid="purchase-status"]`).Text()); got != "Active" {
		t.Fatalf("status %q", got)
	}
	pro := res.Doc().Find(`[data-testid="purchase-row"][data-add-on="duo_pro"]`)
	if strings.TrimSpace(pro.Find(`[data-testid="purchase-status"]`).Text()) != "Expired" || pro.Find(`[data-testid="trial-badge"]`).Length() != 1 {
		t.Fatal("the expired trial is not shown as such")
	}
	// Ultimate, but both add-ons were had: no trial is offered.
	if res.Doc().Find(`[data-testid="trial-cards"]`).Length() != 0 {
		t.Fatal("trials offered to an instance that had both add-ons")
	}

	// Synchronize: each purchase is refreshed (its refresh time is
	// recorded) and the sync recorded.
	syncStarted := time.Now().Add(-time.Second)
	res = c.post("/admin/subscription/sync", nil)
	wantStatus(t, res, http.StatusSeeOther)
	page := c.follow(res)
	if page.Flash() != "Subscription successfully synchronized." {
		t.Fatalf("flash %q", page.Flash())
	}
	purchases, err := a.store.PurchasesFor(ctx, nil)
	if err != nil || len(purchases) != 2 {
		t.Fatalf("purchases %v, %v", purchases, err)
	}
	for _, p := range purchases {
		if p.LastAssignedUsersRefreshedAt == nil || p.LastAssignedUsersRefreshedAt.Before(syncStarted) {
			t.Fatalf("purchase %d (%s) was not refreshed by the sync: %v", p.ID, p.AddOn, p.LastAssignedUsersRefreshedAt)
		}
	}
	if got := page.Text(`[data-testid="last-sync"]`); got == "Never" || !strings.HasSuffix(got, "UTC") {
		t.Fatalf("last sync %q", got)
	}
	wantAudit(t, a, "subscription_synchronized", "A-S00077777", "admin")

	// A plan that no longer allows a purchase is reported.
	if err := a.store.SetInstancePlan(ctx, actor, models.PlanPremium); err != nil {
		t.Fatal(err)
	}
	page = c.follow(c.post("/admin/subscription/sync", nil))
	flashes := page.Doc().Find(`[data-testid="flash"]`)
	if flashes.Length() != 2 || !strings.Contains(flashes.Eq(1).Text(), "Problems found: GitLab Duo Enterprise needs an Ultimate plan; this instance has Premium.") {
		t.Fatalf("flashes %q", flashes.Text())
	}
}
