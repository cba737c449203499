package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func trialFlash(short, title string) string {
	return "You have successfully started a " + short + " trial that will expire on " + fmtDate(models.Today().AddDays(60)) +
		". To give members access to new " + title + " features, assign them to " + title + " seats."
}

func (a *app) seatHolders(p models.AddOnPurchase) []int64 {
	a.t.Helper()
	ids, err := a.store.SeatHolders(context.Background(), p.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	return ids
}

func TestGroupBillingTrials(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	acme := a.acmeOwnedByOwner() // Ultimate
	a.mkGroup(acme, "sub", "Sub", "")
	c := a.as("owner")

	res := c.get("/groups/acme/-/billings")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `.sidebar-item.active`, "Billing")
	wantText(t, res, `[data-testid="plan-header"]`, "Acme is currently using the Ultimate Plan")
	card := res.Doc().Find(`[data-testid="trial-card-duo_pro"]`)
	if !strings.Contains(card.Text(), "Introducing the GitLab Duo Pro add-on") ||
		!strings.Contains(card.Text(), "You can now try GitLab Duo Pro for free for 60 days, no credit card required.") ||
		strings.TrimSpace(card.Find(`button`).Text()) != "Start a free GitLab Duo Pro trial" {
		t.Fatalf("Duo Pro card %q", card.Text())
	}
	if got := res.Text(`[data-testid="start-trial-duo_enterprise"]`); got != "Start a free GitLab Duo Enterprise trial" {
		t.Fatalf("Enterprise button %q", got)
	}

	// Start Duo Pro: 60 days, the owner holds a seat at once.
	res = c.post("/groups/acme/-/billings/trials", url.Values{"add_on": {"duo_pro"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/groups/acme/-/billings" {
		t.Fatalf("Location %q", loc)
	}
	page := c.follow(res)
	if page.Flash() != trialFlash("Duo Pro", "GitLab Duo Pro") {
		t.Fatalf("flash %q", page.Flash())
	}
	ps := a.purchases(&acme.ID)
	if len(ps) != 1 || !ps[0].Trial || ps[0].AddOn != models.AddOnDuoPro || ps[0].ExpiresOn.String() != models.Today().AddDays(60).String() {
		t.Fatalf("purchases %+v", ps)
	}
	if holders := a.seatHolders(ps[0]); len(holders) != 1 || holders[0] != a.users["owner"].ID {
		t.Fatalf("seat holders %v", holders)
	}
	row := page.Doc().Find(`[data-testid="purchase-row"][data-add-on="duo_pro"]`)
	if row.Find(`[data-testid="trial-badge"]`).Length() != 1 || strings.TrimSpace(row.Find(`[data-testid="seats-used"]`).Text()) != "1 / 1" {
		t.Fatalf("purchase row %q", row.Text())
	}
	if page.Doc().Find(`[data-testid="trial-card-duo_pro"]`).Length() != 0 {
		t.Fatal("Duo Pro trial still offered")
	}

	// Only once.
	res = c.post("/groups/acme/-/billings/trials", url.Values{"add_on": {"duo_pro"}})
	if page := c.follow(res); page.Flash() != "Acme already had GitLab Duo Pro. A free trial is only available once." {
		t.Fatalf("flash %q", page.Flash())
	}
	// Enterprise too, on Ultimate.
	page = c.follow(c.post("/groups/acme/-/billings/trials", url.Values{"add_on": {"duo_enterprise"}}))
	if page.Flash() != trialFlash("Duo Enterprise", "GitLab Duo Enterprise") {
		t.Fatalf("flash %q", page.Flash())
	}
	wantAudit(t, a, "duo_trial_started", "duo_enterprise", "owner")

	// Subgroups have no billing; an admin who is no Owner cannot start one.
	wantStatus(t, c.get("/groups/acme/sub/-/billings"), http.StatusNotFound)
	wantStatus(t, c.post("/groups/acme/sub/-/billings/trials", url.Values{"add_on": {"duo_pro"}}), http.StatusNotFound)
	wantStatus(t, a.as("dev").get("/groups/acme/-/billings"), http.StatusNotFound)
	other := a.mkGroup(nil, "other", "Other", models.PlanUltimate)
	admin := a.as("admin")
	res = admin.post("/groups/other/-/billings/trials", url.Values{"add_on": {"duo_pro"}})
	if page := admin.follow(res); page.Flash() != "Only an Owner of Other can start its GitLab Duo trial." {
		t.Fatalf("flash %q", page.Flash())
	}
	if len(a.purchases(&other.ID)) != 0 {
		t.Fatal("the admin started a trial")
	}
}

func TestGroupBillingTrialPlans(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	for _, g := range []struct {
		path string
		plan models.Plan
	}{{"premium", models.PlanPremium}, {"free", models.PlanFree}} {
		grp := a.mkGroup(nil, g.path, strings.ToUpper(g.path[:1])+g.path[1:], g.plan)
		a.mkMember(models.GroupSource(grp), a.users["owner"], models.Owner)
	}
	c := a.as("owner")

	res := c.get("/groups/premium/-/billings")
	if res.Doc().Find(`[data-testid="trial-card-duo_pro"]`).Length() != 1 || res.Doc().Find(`[data-testid="trial-card-duo_enterprise"]`).Length() != 0 {
		t.Fatal("Premium must be offered Duo Pro only")
	}
	page := c.follow(c.post("/groups/premium/-/billings/trials", url.Values{"add_on": {"duo_enterprise"}}))
	if page.Flash() != "A GitLab Duo Enterprise trial needs an Ultimate subscription; Premium has Premium." {
		t.Fatalf("flash %q", page.Flash())
	}
	if k, _ := page.Doc().Find(`[data-testid="flash"]`).Attr("class"); !strings.Contains(k, "gl-alert-danger") {
		t.Fatalf("refusal shown as %q", k)
	}

	res = c.get("/groups/free/-/billings")
	wantText(t, res, `[data-testid="plan-header"]`, "Free is currently using the Free Plan")
	wantText(t, res, `[data-testid="needs-paid-plan"]`, "Before you can buy GitLab Duo seats, you'll need a Premium or Ultimate subscription.")
	if res.Doc().Find(`[data-testid="trial-cards"]`).Length() != 0 {
		t.Fatal("a Free group is offered trials")
	}
	page = c.follow(c.post("/groups/free/-/billings/trials", url.Values{"add_on": {"duo_pro"}}))
	if page.Flash() != "A GitLab Duo Pro trial needs a Premium or Ultimate subscription; Free has Free." {
		t.Fatalf("flash %q", page.Flash())
	}
}

func TestAdminSubscriptionTrials(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	if err := a.store.SetInstancePlan(context.Background(), models.ActorFor(a.users["admin"]), models.PlanUltimate); err != nil {
		t.Fatal(err)
	}
	c := a.as("admin")
	res := c.get("/admin/subscription")
	if res.Doc().Find(`[data-testid="trial-card-duo_enterprise"]`).Length() != 1 {
		t.Fatal("no Enterprise trial offered on Ultimate")
	}
	res = c.post("/admin/subscription/trials", url.Values{"add_on": {"duo_enterprise"}})
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != trialFlash("Duo Enterprise", "GitLab Duo Enterprise") {
		t.Fatalf("flash %q", page.Flash())
	}
	ps := a.purchases(nil)
	// No subscription: a seat for each eligible user (the four harness users).
	if len(ps) != 1 || !ps[0].Trial || ps[0].Quantity != 4 {
		t.Fatalf("purchases %+v", ps)
	}
	if holders := a.seatHolders(ps[0]); len(holders) != 1 || holders[0] != a.users["admin"].ID {
		t.Fatalf("seat holders %v", holders)
	}
	page := c.follow(c.post("/admin/subscription/trials", url.Values{"add_on": {"duo_enterprise"}}))
	if page.Flash() != "This instance already had GitLab Duo Enterprise. A free trial is only available once." {
		t.Fatalf("flash %q", page.Flash())
	}
	wantStatus(t, a.as("support").post("/admin/subscription/trials", url.Values{"add_on": {"duo_pro"}}), http.StatusForbidden)

	com := newApp(t, storetest.SQLite(t), models.GitLabCom)
	wantStatus(t, com.as("admin").post("/admin/subscription/trials", url.Values{"add_on": {"duo_pro"}}), http.StatusNotFound)
	// Self-managed groups have no Billing page.
	a.acmeOwnedByOwner()
	wantStatus(t, a.as("owner").get("/groups/acme/-/billings"), http.StatusNotFound)
	wantStatus(t, c.get("/groups/acme/-/billings"), http.StatusNotFound)
}
