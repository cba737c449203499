package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The two edges stay apart: the API authenticates with tokens only (a
// browser session never does, so a cross-site form cannot use it) and
// answers JSON, even for a path it does not have; web pages never take a
// token, and the API writes no session cookie.
func TestWebAndAPIEdgesStayApart(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.SQLite(t), models.SelfManaged)
	browser := a.as("admin")
	tok := a.duoToken("admin")

	res := browser.postRaw("/api/v4/code_suggestions/enabled", url.Values{"project_path": {"nope/nope"}})
	wantStatus(t, res, http.StatusUnauthorized)
	if res.Header.Get("Set-Cookie") != "" {
		t.Errorf("the API wrote a cookie: %s", res.Header.Get("Set-Cookie"))
	}

	req, _ := http.NewRequest(http.MethodGet, a.http.URL+"/api/v4/no/such/endpoint", nil)
	req.Header.Set("PRIVATE-TOKEN", tok)
	res = a.client().do(req)
	wantStatus(t, res, http.StatusNotFound)
	if strings.TrimSpace(res.Body) != `{"message":"404 Not Found"}` {
		t.Errorf("unknown API path answered %s", res.Body)
	}

	req, _ = http.NewRequest(http.MethodGet, a.http.URL+"/admin/users", nil)
	req.Header.Set("PRIVATE-TOKEN", tok)
	res = a.client().do(req)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/users/sign_in" {
		t.Errorf("a token signed in to a web page: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// A signed-out caller learns nothing of which API routes and methods
// exist: 401 everywhere, as for the real endpoints.
func TestSignedOutAPICallersGet401EvenForUnknownRoutes(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.SQLite(t), models.SelfManaged)
	for _, r := range [][2]string{{"GET", "/api/v4/nonexistent"}, {"PATCH", "/api/v4/groups/1/duo_settings"},
		{"DELETE", "/api/v4/groups/1/duo_settings"}, {"GET", "/api/v4/groups/1/duo_settings"}} {
		req, _ := http.NewRequest(r[0], a.http.URL+r[1], nil)
		res := a.client().do(req)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s signed out: %d, want 401", r[0], r[1], res.StatusCode)
		}
	}
	// Signed in, an unknown route is still a 404.
	req, _ := http.NewRequest("GET", a.http.URL+"/api/v4/nonexistent", nil)
	req.Header.Set("PRIVATE-TOKEN", a.duoToken("admin"))
	wantStatus(t, a.client().do(req), http.StatusNotFound)
}

// Static files are served; the folders holding them are not listed.
func TestStaticFoldersAreNotListed(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.SQLite(t), models.SelfManaged)
	for _, p := range []string{"/static/vendor/", "/static/css/", "/static/vendor/gitlab-ui/"} {
		if res := a.client().get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404\n%s", p, res.StatusCode, snippet(res.Body))
		}
	}
	wantStatus(t, a.client().get("/static/favicon.svg"), http.StatusOK)
}

// Monitors and load balancers often probe with HEAD.
func TestHealthEndpointsAnswerHEAD(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.SQLite(t), models.SelfManaged)
	for _, p := range []string{"/-/health", "/-/liveness", "/-/readiness"} {
		req, _ := http.NewRequest(http.MethodHead, a.http.URL+p, nil)
		wantStatus(t, a.client().do(req), http.StatusOK)
	}
}
