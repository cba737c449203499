package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// apiRes is a decoded /api/v4 answer.
type apiRes struct {
	Status int
	Body   map[string]any
	Raw    string
}

func (a *app) duoToken(username string) string {
	a.t.Helper()
	u := a.users[username]
	tok, err := a.store.CreatePersonalAccessToken(context.Background(), models.ActorFor(u), u, "test", nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// api sends a request with PRIVATE-TOKEN (none when token is empty) and a
// JSON body (none when body is empty).
func (a *app) api(method, path, token, body string) apiRes {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.http.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	return a.apiDo(req)
}

func (a *app) apiDo(req *http.Request) apiRes {
	a.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := apiRes{Status: res.StatusCode, Raw: string(b)}
	if err := json.Unmarshal(b, &out.Body); err != nil {
		a.t.Fatalf("%s %s: not a JSON object (%d): %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	return out
}

func wantAPI(t *testing.T, r apiRes, status int, want map[string]any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if len(r.Body) != len(want) {
		t.Fatalf("body %s, want exactly %v", r.Raw, want)
	}
	for k, v := range want {
		got, ok := r.Body[k]
		if !ok || got != v {
			t.Fatalf("%s = %#v, want %#v (body %s)", k, got, v, r.Raw)
		}
	}
}

func apiMessage(msg string) map[string]any { return map[string]any{"message": msg} }

func TestAPIApplicationDuoSettings(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin, support, owner := a.duoToken("admin"), a.duoToken("support"), a.duoToken("owner")
	const path = "/api/v4/application/duo_settings"
	on := map[string]any{"duo_availability": "default_on", "duo_features_enabled": true, "lock_duo_features_enabled": false}

	wantAPI(t, a.api("GET", path, admin, ""), http.StatusOK, on)
	wantAPI(t, a.api("GET", path, support, ""), http.StatusOK, on)
	wantAPI(t, a.api("GET", path, owner, ""), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPI(t, a.api("GET", path, "", ""), http.StatusUnauthorized, apiMessage("401 Unauthorized"))
	wantAPI(t, a.api("GET", path, "glpat-notarealtoken", ""), http.StatusUnauthorized, apiMessage("401 Unauthorized"))

	before := a.duoAuditCount()
	wantAPI(t, a.api("PUT", path, support, `{"duo_availability":"never_on"}`), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPI(t, a.api("PUT", path, owner, `{"duo_availability":"never_on"}`), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPI(t, a.api("PUT", path, admin, `{"duo_availability":"sometimes"}`), http.StatusUnprocessableEntity,
		apiMessage("duo_availability must be one of always_on, default_on, default_off, never_on"))
	wantAPI(t, a.api("PUT", path, admin, `{"duo_availability":true}`), http.StatusUnprocessableEntity,
		apiMessage("duo_availability must be one of always_on, default_on, default_off, never_on"))
	if r := a.api("PUT", path, admin, `{"duo_availability":`); r.Status != http.StatusBadRequest {
		t.Fatalf("broken JSON: %d %s", r.Status, r.Raw)
	}
	wantAPI(t, a.api("PUT", path, admin, `{}`), http.StatusBadRequest, apiMessage("duo_availability is missing"))
	if a.duoAuditCount() != before || !a.duoInstance().DuoFeaturesEnabled {
		t.Fatal("a rejected PUT changed the instance")
	}

	// The API applies at once, resetting groups without a confirmation.
	g := a.mkGroup(nil, "acme", "Acme", models.PlanUltimate)
	wantAPI(t, a.api("PUT", path, admin, `{"duo_availability":"never_on"}`), http.StatusOK,
		map[string]any{"duo_availability": "never_on", "duo_features_enabled": false, "lock_duo_features_enabled": true})
	if st := a.duoInstance(); st.DuoFeaturesEnabled || !st.LockDuoFeaturesEnabled {
		t.Fatal("PUT not stored")
	}
	if fresh := a.duoGroup(g); fresh.DuoFeaturesEnabled == nil || *fresh.DuoFeaturesEnabled {
		t.Fatal("the group was not reset")
	}
	wantAudit(t, a, "duo_availability_changed", "instance", "admin")
}

func TestAPIApplicationDuoSettingsOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	admin := a.duoToken("admin")
	const path = "/api/v4/application/duo_settings"
	wantAPI(t, a.api("PUT", path, admin, `{"duo_availability":"never_on"}`), http.StatusForbidden,
		apiMessage("GitLab Duo availability cannot be changed on GitLab.com"))
	wantAPI(t, a.api("GET", path, admin, ""), http.StatusOK,
		map[string]any{"duo_availability": "default_on", "duo_features_enabled": true, "lock_duo_features_enabled": false})
}

func TestAPIGroupDuoSettings(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	owner, support, dev := a.duoToken("owner"), a.duoToken("support"), a.duoToken("dev")

	// Inherited from the instance, by numeric id and by encoded path.
	inherited := map[string]any{"duo_availability": "default_on", "duo_features_enabled": true, "locked": false, "locked_by": nil, "source": "instance"}
	wantAPI(t, a.api("GET", "/api/v4/groups/"+strconv.FormatInt(o.platform.ID, 10)+"/duo_settings", owner, ""), http.StatusOK, inherited)
	wantAPI(t, a.api("GET", "/api/v4/groups/acme%2Fplatform/duo_settings", owner, ""), http.StatusOK, inherited)
	wantAPI(t, a.api("GET", "/api/v4/groups/acme%2Fplatform/duo_settings", support, ""), http.StatusOK, inherited)

	// PUT Off on acme: applied at once; platform now inherits from acme.
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme/duo_settings", owner, `{"duo_availability":"default_off"}`), http.StatusOK,
		map[string]any{"duo_availability": "default_off", "duo_features_enabled": false, "locked": false, "locked_by": nil, "source": "self"})
	wantAudit(t, a, "duo_availability_changed", "acme", "owner")
	fresh := a.mkGroup(o.acme, "fresh", "Fresh", "")
	wantAPI(t, a.api("GET", "/api/v4/groups/"+strconv.FormatInt(fresh.ID, 10)+"/duo_settings", owner, ""), http.StatusOK,
		map[string]any{"duo_availability": "default_off", "duo_features_enabled": false, "locked": false, "locked_by": nil, "source": "acme"})

	// Always off on platform locks api.
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme%2Fplatform/duo_settings", owner, `{"duo_availability":"never_on"}`), http.StatusOK,
		map[string]any{"duo_availability": "never_on", "duo_features_enabled": false, "locked": false, "locked_by": nil, "source": "self"})
	wantAPI(t, a.api("GET", "/api/v4/groups/acme%2Fplatform%2Fapi/duo_settings", owner, ""), http.StatusOK,
		map[string]any{"duo_availability": "never_on", "duo_features_enabled": false, "locked": true, "locked_by": "acme/platform", "source": "acme/platform"})
	before := a.duoAuditCount()
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme%2Fplatform%2Fapi/duo_settings", owner, `{"duo_availability":"default_on"}`),
		http.StatusUnprocessableEntity, apiMessage("cannot be changed because it is locked by an ancestor"))
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme/duo_settings", owner, `{"duo_availability":"on"}`),
		http.StatusUnprocessableEntity, apiMessage("duo_availability must be one of always_on, default_on, default_off, never_on"))
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme/duo_settings", owner, `[1]`), http.StatusBadRequest,
		apiMessage("The request body must be a JSON object"))

	// Not allowed, invisible, unknown, unauthenticated.
	if r := a.api("PUT", "/api/v4/groups/acme/duo_settings", support, `{"duo_availability":"never_on"}`); r.Status != http.StatusForbidden {
		t.Fatalf("auditor PUT: %d %s", r.Status, r.Raw)
	}
	wantAPI(t, a.api("GET", "/api/v4/groups/acme/duo_settings", dev, ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme/duo_settings", dev, `{"duo_availability":"never_on"}`), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPI(t, a.api("GET", "/api/v4/groups/nope/duo_settings", owner, ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPI(t, a.api("GET", "/api/v4/groups/999999/duo_settings", owner, ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPI(t, a.api("GET", "/api/v4/groups/acme/duo_settings", "", ""), http.StatusUnauthorized, apiMessage("401 Unauthorized"))
	wantAPI(t, a.api("GET", "/api/v4/groups/acme/duo_settings", "glpat-wrong", ""), http.StatusUnauthorized, apiMessage("401 Unauthorized"))
	if a.duoAuditCount() != before {
		t.Fatal("a rejected request changed something")
	}

	// Locked by the instance.
	a.duoSetInstance(models.NeverOn)
	wantAPI(t, a.api("GET", "/api/v4/groups/acme/duo_settings", owner, ""), http.StatusOK,
		map[string]any{"duo_availability": "never_on", "duo_features_enabled": false, "locked": true, "locked_by": "instance", "source": "instance"})
}

func TestAPIProjectDuoSettings(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	owner, support, dev := a.duoToken("owner"), a.duoToken("support"), a.duoToken("dev")
	path := "/api/v4/projects/acme%2Fplatform%2Fcore/duo_settings"

	self := map[string]any{"duo_features_enabled": true, "locked": false, "locked_by": nil, "source": "self"}
	wantAPI(t, a.api("GET", path, owner, ""), http.StatusOK, self)
	wantAPI(t, a.api("GET", "/api/v4/projects/"+strconv.FormatInt(o.core.ID, 10)+"/duo_settings", support, ""), http.StatusOK, self)

	// Authorization: Bearer works as PRIVATE-TOKEN does.
	req, _ := http.NewRequest("PUT", a.http.URL+path, strings.NewReader(`{"duo_features_enabled":false}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+owner)
	wantAPI(t, a.apiDo(req), http.StatusOK, map[string]any{"duo_features_enabled": false, "locked": false, "locked_by": nil, "source": "self"})
	if a.duoProject(o.core).DuoFeaturesEnabled {
		t.Fatal("PUT not stored")
	}
	wantAudit(t, a, "duo_availability_changed", "acme/platform/core", "owner")

	wantAPI(t, a.api("PUT", path, owner, `{"duo_features_enabled":"yes"}`), http.StatusUnprocessableEntity,
		apiMessage("duo_features_enabled must be true or false"))
	wantAPI(t, a.api("PUT", path, owner, `{}`), http.StatusBadRequest, apiMessage("duo_features_enabled is missing"))
	if r := a.api("PUT", path, support, `{"duo_features_enabled":true}`); r.Status != http.StatusForbidden {
		t.Fatalf("auditor PUT: %d %s", r.Status, r.Raw)
	}
	wantAPI(t, a.api("GET", path, dev, ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPI(t, a.api("GET", "/api/v4/projects/acme%2Fnope/duo_settings", owner, ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPI(t, a.api("GET", path, "", ""), http.StatusUnauthorized, apiMessage("401 Unauthorized"))

	// Locked by an ancestor group.
	a.duoSetGroup(o.acme, models.NeverOn)
	wantAPI(t, a.api("GET", path, owner, ""), http.StatusOK,
		map[string]any{"duo_features_enabled": false, "locked": true, "locked_by": "acme", "source": "acme"})
	before := a.duoAuditCount()
	wantAPI(t, a.api("PUT", path, owner, `{"duo_features_enabled":true}`), http.StatusUnprocessableEntity,
		apiMessage("cannot be changed because it is locked by an ancestor"))
	if a.duoProject(o.core).DuoFeaturesEnabled || a.duoAuditCount() != before {
		t.Fatal("a locked project changed")
	}

	// GitLab's API also takes form parameters.
	a.duoSetGroup(o.acme, models.DefaultOn)
	req, _ = http.NewRequest("PUT", a.http.URL+path+"?duo_features_enabled=false", nil)
	req.Header.Set("PRIVATE-TOKEN", owner)
	wantAPI(t, a.apiDo(req), http.StatusOK, map[string]any{"duo_features_enabled": false, "locked": false, "locked_by": nil, "source": "self"})
}
