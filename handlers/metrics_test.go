package handlers_test

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

var seriesLine = regexp.MustCompile(`^duoadmin_http_requests_total\{method="([^"]*)",route="([^"]*)",code="\d+"\} \d+$`)

// Labels come from a closed set: whatever methods and paths visitors
// invent, the number of series stays what the routes make it.
func TestMetricsLabelsStayBoundedWhateverVisitorsSend(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.SQLite(t), models.SelfManaged)
	admin := a.as("admin")
	rng := rand.New(rand.NewPCG(14, 5))
	word := func(letters string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	methods := []string{"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "PROPFIND", "FOO", "TRACE"}
	var tokens []string
	for i := range 500 {
		method := methods[rng.IntN(len(methods))]
		if i%3 == 0 {
			method = "X" + word("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 8)
		}
		tok := word("abcdefghijklmnopqrstuvwxyz0123456789", 10)
		tokens = append(tokens, tok)
		path := [...]string{"/" + tok, "/groups/" + tok, "/groups/" + tok + "/-/" + tok, "/acme/" + tok + "/-/" + tok,
			"/api/v4/" + tok, "/admin/" + tok, "/-/" + tok, "/static/" + tok, "/" + tok + "/" + tok + "/edit"}[i%9]
		req, _ := http.NewRequest(method, a.http.URL+path, nil)
		if i%2 == 0 {
			admin.do(req)
		} else {
			a.client().do(req)
		}
	}
	res := admin.get("/-/metrics")
	wantStatus(t, res, http.StatusOK)

	routes := map[string]bool{"unmatched": true, "/static/*": true}
	for _, r := range a.server.Routes() {
		routes[r.Path] = true
	}
	allowedMethods := map[string]bool{"other": true}
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		allowedMethods[m] = true
	}
	series := map[string]bool{}
	for _, line := range strings.Split(res.Body, "\n") {
		if !strings.HasPrefix(line, "duoadmin_http_requests_total{") {
			continue
		}
		m := seriesLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unexpected series line %q", line)
		}
		if !allowedMethods[m[1]] || !routes[m[2]] {
			t.Errorf("label outside the closed set: %s", line)
		}
		series[m[1]+" "+m[2]] = true
	}
	if len(series) > 30 {
		t.Errorf("%d method×route series after 500 invented requests", len(series))
	}
	for _, tok := range tokens {
		if strings.Contains(res.Body, tok) {
			t.Fatalf("a visitor's path reached the metrics: %s", tok)
		}
	}
}

// A recovered panic is counted, besides being logged with the request id.
func TestMetricsCountRecoveredPanics(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	a := newAppLogging(t, storetest.SQLite(t), models.SelfManaged, slog.New(slog.NewJSONHandler(&logs, nil)))
	a.server.Echo().GET("/-/test-panic", func(echo.Context) error { panic("boom") })
	c := a.as("admin")
	for range 2 {
		wantStatus(t, c.get("/-/test-panic"), http.StatusInternalServerError)
	}
	res := c.get("/-/metrics")
	if !strings.Contains(res.Body, "# TYPE duoadmin_http_panics_total counter\nduoadmin_http_panics_total 2\n") {
		t.Fatalf("metrics lack the panic counter:\n%s", res.Body)
	}
	// Each is also a 500 in the request log, with its request id.
	if !logHas(&logs, `"msg":"request"`, `"path":"/-/test-panic"`, `"status":500`, `"request_id":`) {
		t.Fatalf("no request line for the panic:\n%s", logs.String())
	}
}
