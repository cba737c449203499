package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func TestHealthLivenessReadiness(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.client()
	res := c.get("/-/health")
	wantStatus(t, res, http.StatusOK)
	if res.Body != "GitLab OK" {
		t.Fatalf("health body %q", res.Body)
	}
	wantStatus(t, c.get("/-/liveness"), http.StatusOK)
	res = c.get("/-/readiness")
	wantStatus(t, res, http.StatusOK)
	var body struct{ Status string }
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body.Status != "ok" {
		t.Fatalf("readiness %s", res.Body)
	}
}

func TestReadinessFailsWhenTheDatabaseIsGone(t *testing.T) {
	t.Parallel()
	store := storetest.SQLite(t)
	a := newApp(t, store, models.SelfManaged)
	store.Close()
	res := a.client().get("/-/readiness")
	wantStatus(t, res, http.StatusServiceUnavailable)
	if !strings.Contains(res.Body, `"failed"`) {
		t.Fatalf("readiness body %s", res.Body)
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	c.get("/admin")
	c.get("/admin")
	res := c.get("/-/metrics")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `duoadmin_http_requests_total{method="GET",route="/admin",code="200"} 2`) {
		t.Fatalf("metrics lack the /admin counter:\n%s", res.Body)
	}
	if !strings.Contains(res.Body, `duoadmin_http_request_duration_seconds_count{method="GET",route="/admin"} 2`) {
		t.Fatal("metrics lack the /admin latency histogram")
	}
}

func TestErrorPagesUseTheLayout(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("dev")
	res := c.get("/groups/no-such-group")
	wantStatus(t, res, http.StatusNotFound)
	if res.Text(".error-code") != "404" || res.Doc().Find(`[data-testid="top-bar"]`).Length() != 1 {
		t.Fatalf("404 page is not in the layout:\n%s", snippet(res.Body))
	}
	res = c.get("/admin")
	wantStatus(t, res, http.StatusNotFound)
	res = a.as("support").post("/admin/users", url.Values{"user[name]": {"x"}})
	wantStatus(t, res, http.StatusForbidden)
	if res.Text(".error-code") != "403" {
		t.Fatalf("403 page:\n%s", snippet(res.Body))
	}
}

func TestRequestBodyOverTheLimitIs413(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	big := url.Values{"authenticity_token": {c.csrf()}, "padding": {strings.Repeat("x", 9<<20)}}
	res := c.postRaw("/users/sign_out", big)
	wantStatus(t, res, http.StatusRequestEntityTooLarge)
}

func TestAPIWithoutTokenIs401JSON(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	req, _ := http.NewRequest(http.MethodGet, a.http.URL+"/api/v4/application/duo_settings", nil)
	res := a.client().do(req)
	wantStatus(t, res, http.StatusUnauthorized)
	if strings.TrimSpace(res.Body) != `{"message":"401 Unauthorized"}` {
		t.Fatalf("body %s", res.Body)
	}
	req, _ = http.NewRequest(http.MethodGet, a.http.URL+"/api/v4/application/duo_settings", nil)
	req.Header.Set("PRIVATE-TOKEN", "glpat-not-a-real-token")
	wantStatus(t, a.client().do(req), http.StatusUnauthorized)
	tok, err := a.store.CreatePersonalAccessToken(context.Background(), models.ActorFor(a.users["dev"]), a.users["dev"], "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.SetUserState(context.Background(), models.ActorFor(a.users["admin"]), a.users["dev"].ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodGet, a.http.URL+"/api/v4/application/duo_settings", nil)
	req.Header.Set("PRIVATE-TOKEN", tok)
	wantStatus(t, a.client().do(req), http.StatusUnauthorized)
}

// A client that posts without ever loading the page after the redirect
// must not grow the session cookie until it can no longer be saved.
func TestFlashesDoNotAccumulateWithoutBound(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	tok := c.csrf()
	for i := range 60 {
		res := c.postRaw("/admin/feature_flags", url.Values{"authenticity_token": {tok}, "name": {models.FlagSeatEmailsSM},
			"enabled": {[]string{"0", "1"}[i%2]}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("post %d: status %d", i, res.StatusCode)
		}
	}
	page := c.get("/admin/feature_flags")
	if n := page.Doc().Find(`[data-testid="flash"]`).Length(); n == 0 || n > 3 {
		t.Fatalf("%d flashes shown, want the newest few", n)
	}
}
