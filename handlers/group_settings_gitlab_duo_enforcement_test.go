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
	res = admin.post(enforcePath, url.Values{"duo_availability": {"never_on"}, "reason": {"Data residency review"}})
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
	wantStatus(t, owner.post(enforcePath, url.Values{"duo_availability": {"always_on"}, "reason": {"AI pilot"}}), http.StatusSeeOther)
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
	wantStatus(t, a.as("admin").post(enforcePath, url.Values{"duo_availability": {"never_on"}, "reason": {"Incident"}}), http.StatusSeeOther)
	res = owner.post(enforcePath, url.Values{"release": {"1"}, "reason": {"pilot"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "reason", "cannot be changed because it is enforced by an administrator")
}
