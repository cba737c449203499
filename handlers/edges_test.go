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
