package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/storetest"
)

// Always on (#21) on the screens and the API, in both modes.

const alwaysOnHelp = "Always on GitLab Duo is always available. Groups, subgroups, and projects cannot opt out. " +
	"Experiment and beta features are not turned on by this setting."

func TestAdminSetsAlwaysOnSelfManaged(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetInstance(models.DefaultOff)
	a.duoSetGroup(o.platform, models.NeverOn)
	admin := a.as("admin")
	res := admin.get("/admin/gitlab_duo/configuration")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `label[for="duo_availability_always_on"]`, alwaysOnHelp)
	// Always on resets every group and project that is not on: confirm first.
	res = admin.post("/admin/gitlab_duo/configuration", duoForm("always_on"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-reset-message"]`, "This resets 4 groups and 3 projects to Always on.")
	res = admin.post("/admin/gitlab_duo/configuration", url.Values{"duo_availability": {"always_on"}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if st := a.duoInstance(); !st.DuoFeaturesEnabled || !st.LockDuoFeaturesEnabled {
		t.Fatalf("instance stored (%v,%v)", st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled)
	}
	if got := checkedDuo(t, admin.get("/admin/gitlab_duo/configuration")); got != "always_on" {
		t.Fatalf("instance page shows %q", got)
	}

	// The owner sees the subgroup locked on, by the administrator.
	owner := a.as("owner")
	res = owner.get("/groups/acme/platform/-/edit")
	wantStatus(t, res, http.StatusOK)
	if got := checkedDuo(t, res); got != "always_on" {
		t.Fatalf("subgroup shows %q", got)
	}
	wantDisabledRadios(t, res, true)
	wantText(t, res, `[data-testid="duo-lock"] .gl-alert-body`, "An administrator selected this setting for the instance and you cannot change it.")
	wantText(t, res, `[data-testid="duo-effective"]`, "Effective: On — Enforced by an instance administrator")
	for _, av := range []string{"never_on", "default_off", "always_on"} {
		res = owner.post("/groups/acme/platform/-/edit", url.Values{"duo_availability": {av}, "confirm": {"1"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantFieldError(t, res, "duo_availability", lockedMessage)
	}
	res = owner.get("/acme/platform/core/edit")
	if !res.Doc().Find(`#duo_features_enabled`).Is("[checked][disabled]") {
		t.Fatal("the project switch is not shown locked on")
	}
	res = owner.post("/acme/platform/core/edit", url.Values{"duo_features_enabled": {"0"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_features_enabled", lockedMessage)

	// The API reads always_on at every level and refuses changes below.
	tok := a.duoToken("admin")
	wantAPI(t, a.api("GET", "/api/v4/application/duo_settings", tok, ""), http.StatusOK,
		map[string]any{"duo_availability": "always_on", "duo_features_enabled": true, "lock_duo_features_enabled": true})
	wantAPI(t, a.api("GET", "/api/v4/groups/acme%2Fplatform/duo_settings", tok, ""), http.StatusOK,
		map[string]any{"duo_availability": "always_on", "duo_features_enabled": true, "locked": true, "locked_by": "instance", "source": "instance"})
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme/duo_settings", tok, `{"duo_availability":"never_on"}`),
		http.StatusUnprocessableEntity, apiMessage(lockedMessage))
	wantAPI(t, a.api("PUT", "/api/v4/projects/acme%2Fweb/duo_settings", tok, `{"duo_features_enabled":false}`),
		http.StatusUnprocessableEntity, apiMessage(lockedMessage))

	// Back to On by default: a top-level group on self-managed is not
	// offered Always on, on the screen or in the API.
	a.duoSetInstance(models.DefaultOn)
	res = owner.get("/groups/acme/-/edit")
	if res.Doc().Find(`input[value="always_on"]`).Length() != 0 {
		t.Fatal("a self-managed group is offered Always on")
	}
	res = owner.post("/groups/acme/-/edit", url.Values{"duo_availability": {"always_on"}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_availability", models.ErrAlwaysOnNotOffered.Error())
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme/duo_settings", tok, `{"duo_availability":"always_on"}`),
		http.StatusUnprocessableEntity, apiMessage(models.ErrAlwaysOnNotOffered.Error()))
	wantAPI(t, a.api("PUT", "/api/v4/application/duo_settings", tok, `{"duo_availability":"always_on"}`), http.StatusOK,
		map[string]any{"duo_availability": "always_on", "duo_features_enabled": true, "lock_duo_features_enabled": true})
}

func TestTopLevelGroupSetsAlwaysOnOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	o := a.duoOrg()
	a.duoSetGroup(o.platform, models.DefaultOff)
	owner := a.as("owner")
	const path = "/groups/acme/-/settings/gitlab_duo/configuration"
	res := owner.get(path)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `label[for="duo_availability_always_on"]`,
		"Always on GitLab Duo is always available. Subgroups and projects cannot opt out. Experiment and beta features are not turned on by this setting.")
	res = owner.post(path, url.Values{"duo_availability": {"always_on"}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if g := a.duoGroup(o.acme); g.DuoFeaturesEnabled == nil || !*g.DuoFeaturesEnabled || !g.LockDuoFeaturesEnabled {
		t.Fatalf("acme stored (%v,%v)", g.DuoFeaturesEnabled, g.LockDuoFeaturesEnabled)
	}
	// The cascade turned platform and its projects on and they are locked.
	res = owner.get("/groups/acme/platform/api/-/edit")
	if got := checkedDuo(t, res); got != "always_on" {
		t.Fatalf("subgroup shows %q", got)
	}
	wantText(t, res, `[data-testid="duo-lock-ancestor"]`, "Acme")
	res = owner.post("/groups/acme/platform/-/edit", url.Values{"duo_availability": {"default_off"}, "confirm": {"1"}})
	wantFieldError(t, res, "duo_availability", lockedMessage)
	if !a.duoProject(o.gateway).DuoFeaturesEnabled {
		t.Fatal("the cascade left a project off")
	}
	tok := a.duoToken("owner")
	wantAPI(t, a.api("GET", "/api/v4/groups/acme/duo_settings", tok, ""), http.StatusOK,
		map[string]any{"duo_availability": "always_on", "duo_features_enabled": true, "locked": false, "locked_by": nil, "source": "self"})
	wantAPI(t, a.api("GET", "/api/v4/projects/acme%2Fplatform%2Fcore/duo_settings", tok, ""), http.StatusOK,
		map[string]any{"duo_features_enabled": true, "locked": true, "locked_by": "acme", "source": "acme"})
	// Subgroups are not offered Always on, even unlocked.
	a.duoSetGroup(o.acme, models.DefaultOn)
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme%2Fplatform/duo_settings", tok, `{"duo_availability":"always_on"}`),
		http.StatusUnprocessableEntity, apiMessage(models.ErrAlwaysOnNotOffered.Error()))
	// The instance is not changed on GitLab.com.
	wantAPI(t, a.api("PUT", "/api/v4/application/duo_settings", a.duoToken("admin"), `{"duo_availability":"always_on"}`),
		http.StatusForbidden, apiMessage("GitLab Duo availability cannot be changed on GitLab.com"))
}

// The explainer under Always on: the resource answers "Yes — Always on",
// the diagram draws who locks it, and a seat is still needed.
func TestAccessCheckDrawsTheAlwaysOnLock(t *testing.T) {
	t.Parallel()
	a := smExplainApp(t)
	a.duoSetInstance(models.AlwaysOn)
	c := a.as("admin")
	res := c.get(adminAccessCheck + explainQuery("dev", "code_suggestions", "ide", "project", "acme/api"))
	wantExplained(t, res, "Allowed", access.ReasonAllowed, "A B D R1 R2 R4")
	if got := nodeLabel(res, "LK"); got != "Locked by the instance" {
		t.Fatalf("lock source drawn as %q", got)
	}
	if res.Doc().Find(`[data-edge="LK-R2"] polyline`).AttrOr("stroke-dasharray", "") == "" {
		t.Fatal("the lock's edge is not dashed")
	}
	res = c.get(adminAccessCheck + explainQuery("owner", "code_suggestions", "ide", "project", "acme/api"))
	wantExplained(t, res, "Not allowed", access.ReasonNoSeat, "A B D F G")
	if res.Doc().Find(`[data-node="LK"]`).Length() != 0 {
		t.Fatal("a lock drawn on a path that never asked about the resource")
	}
}
