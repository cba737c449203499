package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

const enforcePath = "/groups/acme/platform/-/settings/gitlab_duo/enforcement"

func TestAdminEnforcesASubgroupOwnersSeeItReadOnly(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	owner, admin := a.as("owner"), a.as("admin")
	// Owners of a self-managed group are not offered the form, nor may post it.
	if owner.get("/groups/acme/platform/-/edit").Doc().Find(`[data-testid="duo-enforcement"]`).Length() != 0 {
		t.Fatal("an owner is offered enforcement on self-managed")
	}
	wantStatus(t, owner.post(enforcePath, url.Values{"duo_availability": {"always_on"}, "reason": {"x"}}), http.StatusNotFound)

	// A reason is required.
	res := admin.post(enforcePath, url.Values{"duo_availability": {"never_on"}, "reason": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "reason", "can't be blank")
	res = admin.post(enforcePath, url.Values{"duo_availability": {"never_on"}, "reason": {"Data residency review"}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	ev := wantAudit(t, a, "duo_availability_enforced", "acme/platform", "admin")
	if !strings.Contains(string(ev.Details), `"reason":"Data residency review"`) {
		t.Fatalf("audit details %v", ev.Details)
	}

	res = owner.get("/groups/acme/platform/-/edit")
	wantDisabledRadios(t, res, true)
	wantText(t, res, `[data-testid="duo-lock"] [data-testid="duo-enforced"]`, "Enforced by an administrator (@admin). Reason: Data residency review")
	res = owner.post("/groups/acme/platform/-/edit", url.Values{"duo_availability": {"default_on"}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_availability", "cannot be changed because it is enforced by an administrator")
	// Below it, the lock names the enforcement.
	res = owner.get("/groups/acme/platform/api/-/edit")
	wantText(t, res, `[data-testid="duo-lock"] [data-testid="duo-enforced"]`, "Enforced by an administrator on acme/platform. Reason: Data residency review")
	// The API refuses the owner too.
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme%2Fplatform/duo_settings", a.duoToken("owner"), `{"duo_availability":"default_on"}`),
		http.StatusUnprocessableEntity, apiMessage("cannot be changed because it is enforced by an administrator"))
	if a.duoAvailability(o.platform) != models.NeverOn {
		t.Fatal("the enforced setting changed")
	}

	// The admin releases it; the owner may change it again.
	res = admin.get("/groups/acme/platform/-/edit")
	wantText(t, res, `[data-testid="release-enforcement"]`, "Release enforcement")
	wantStatus(t, admin.post(enforcePath, url.Values{"release": {"1"}, "reason": {"Review done"}}), http.StatusSeeOther)
	wantAudit(t, a, "duo_availability_enforcement_released", "acme/platform", "admin")
	wantStatus(t, owner.post("/groups/acme/platform/-/edit", url.Values{"duo_availability": {"default_on"}, "confirm": {"1"}}), http.StatusSeeOther)
	if a.duoAvailability(o.platform) != models.DefaultOn {
		t.Fatal("the owner could not change the released setting")
	}
}

func TestTopLevelOwnerEnforcesASubgroupOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	o := a.duoOrg()
	sub := a.mustUser(models.UserInput{Username: "subowner", Name: "Sub Owner", Email: "subowner@example.com", Password: testPassword})
	a.mkMember(models.GroupSource(o.platform), sub, models.Owner)
	owner := a.as("owner")
	if owner.get("/groups/acme/platform/-/edit").Doc().Find(`[data-testid="enforce-setting"]`).Length() != 1 {
		t.Fatal("the top-level owner is not offered enforcement")
	}
	// Not the top-level group itself: only administrators enforce that.
	wantStatus(t, owner.post("/groups/acme/-/settings/gitlab_duo/enforcement", url.Values{"duo_availability": {"always_on"}, "reason": {"x"}}), http.StatusNotFound)
	wantStatus(t, owner.post(enforcePath, url.Values{"duo_availability": {"always_on"}, "reason": {"AI pilot"}, "confirm": {"1"}}), http.StatusSeeOther)
	// The subgroup's own owner sees it read-only and may not release it.
	subc := a.as("subowner")
	res := subc.get("/groups/acme/platform/-/edit")
	wantText(t, res, `[data-testid="duo-lock"] [data-testid="duo-enforced"]`, "Enforced by an owner of the top-level group (@owner). Reason: AI pilot")
	if checkedDuo(t, res) != "always_on" || res.Doc().Find(`[data-testid="duo-enforcement"]`).Length() != 0 {
		t.Fatal("subgroup owner: not shown Always on, or offered enforcement")
	}
	wantStatus(t, subc.post(enforcePath, url.Values{"release": {"1"}, "reason": {"mine"}}), http.StatusNotFound)
	if !a.duoProject(o.gateway).DuoFeaturesEnabled {
		t.Fatal("Always on did not reach the projects below")
	}
	// The instance administrator overrides and keeps the enforcement for admins.
	wantStatus(t, a.as("admin").post(enforcePath, url.Values{"duo_availability": {"never_on"}, "reason": {"Incident"}, "confirm": {"1"}}), http.StatusSeeOther)
	res = owner.post(enforcePath, url.Values{"release": {"1"}, "reason": {"pilot"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "reason", "cannot be changed because it is enforced by an administrator")
}

// Enforcing asks first, with what it locks; the POST without the
// confirmation changes nothing, Cancel goes back to the filled-in form,
// and the confirmed POST enforces.
func TestEnforcingAsksForConfirmationWithCounts(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	admin := a.as("admin")
	form := url.Values{"duo_availability": {"always_on"}, "reason": {"Pilot for the platform team"}}
	res := admin.post(enforcePath, form)
	wantStatus(t, res, http.StatusOK)
	// acme/platform holds acme/platform/api, acme/platform/core and acme/platform/api/gateway.
	wantText(t, res, `[data-testid="enforce-confirm-message"]`, "Enforcing this setting locks 1 subgroup and 2 projects.")
	wantText(t, res, `[data-testid="enforce-confirm-submit"]`, "Enforce setting")
	buttons := res.Doc().Find(`[data-testid="enforce-confirm-form"] button`)
	if buttons.Length() != 2 || buttons.First().Text() != "Cancel" {
		t.Fatalf("Cancel is not the first of the buttons: %d buttons, first %q", buttons.Length(), buttons.First().Text())
	}
	if v, _ := res.Doc().Find(`[data-testid="enforce-confirm-form"] input[name="reason"]`).Attr("value"); v != "Pilot for the platform team" {
		t.Fatalf("the confirmation does not carry the reason: %q", v)
	}
	g := a.duoGroup(o.platform)
	if g.DuoEnforced() || a.duoAvailability(o.platform) != models.DefaultOn {
		t.Fatal("the POST without confirmation changed the group")
	}
	if n := countAudit(t, a, "duo_availability_enforced", "acme/platform"); n != 0 {
		t.Fatalf("%d audit events before the confirmation", n)
	}

	// Cancel: the form again, with the values typed.
	cancel := url.Values{"duo_availability": {"always_on"}, "reason": {"Pilot for the platform team"}, "cancel": {"1"}}
	res = admin.post(enforcePath, cancel)
	wantStatus(t, res, http.StatusOK)
	if got := res.Doc().Find(`#enforce_reason`).Text(); got != "Pilot for the platform team" {
		t.Fatalf("the reason after Cancel: %q", got)
	}
	if _, ok := res.Doc().Find(`#enforce_always_on`).Attr("checked"); !ok {
		t.Fatal("Always on is not selected after Cancel")
	}
	if a.duoGroup(o.platform).DuoEnforced() {
		t.Fatal("Cancel enforced")
	}

	// Invalid input never reaches the confirmation.
	res = admin.post(enforcePath, url.Values{"duo_availability": {"default_on"}, "reason": {"x"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)

	// No "0 subgroups": a group with a project only, then with nothing below.
	tools := "/groups/acme/tools/-/settings/gitlab_duo/enforcement"
	res = admin.post(tools, url.Values{"duo_availability": {"never_on"}, "reason": {"x"}})
	wantText(t, res, `[data-testid="enforce-confirm-message"]`, "Enforcing this setting locks this group's setting.")
	a.mkProject(o.tools, "cli", "CLI")
	res = admin.post(tools, url.Values{"duo_availability": {"never_on"}, "reason": {"x"}})
	wantText(t, res, `[data-testid="enforce-confirm-message"]`, "Enforcing this setting locks 1 project.")

	form.Set("confirm", "1")
	wantStatus(t, admin.post(enforcePath, form), http.StatusSeeOther)
	if !a.duoGroup(o.platform).DuoEnforced() || a.duoAvailability(o.platform) != models.AlwaysOn {
		t.Fatal("the confirmed POST did not enforce")
	}
}
