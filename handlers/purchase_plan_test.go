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

// A provisioning order (reviewed, or activated straight away) and a trial
// that would give a Premium group Duo Enterprise are refused with a
// message naming its plan; nothing is written.
func TestProvisioningRefusesEnterpriseForAPremiumGroup(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	acme := a.acmeOwnedByOwner()
	c := a.as("admin")
	form := newSubscriptionForm("A-S00066666", "premium", "30")
	form.Set("namespace", "acme")
	wantStatus(t, c.post("/admin/subscriptions", form), http.StatusSeeOther)
	if a.duoGroup(acme).Plan != models.PlanPremium {
		t.Fatal("setup: acme is not Premium")
	}
	const msg = "GitLab Duo Enterprise needs an Ultimate plan; acme has Premium"
	order := url.Values{"add_on": {"duo_enterprise"}, "quantity": {"10"}, "term": {"12"}, "confirm_selection": {"1"}}
	for _, activate := range []string{"", "1"} {
		order.Set("activate", activate)
		res := c.post("/admin/subscriptions/A-S00066666/orders", order)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantFieldError(t, res, "add_on", msg)
	}
	// The owner's trial button says the same in a trial's words.
	owner := a.as("owner")
	page := owner.follow(owner.post("/groups/acme/-/billings/trials", url.Values{"add_on": {"duo_enterprise"}}))
	if got := page.Flash(); got != "A GitLab Duo Enterprise trial needs an Ultimate subscription; Acme has Premium." {
		t.Fatalf("trial flash %q", got)
	}
	if ps := a.purchases(&acme.ID); len(ps) != 0 {
		t.Fatalf("purchases written: %+v", ps)
	}
	evs, err := a.store.RecentAuditEvents(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if strings.HasPrefix(ev.Action, "add_on_purchase") || ev.Action == "duo_trial_started" {
			t.Fatalf("audited %s for a refused purchase", ev.Action)
		}
	}
}
