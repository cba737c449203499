package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/secretbox"
	"duoadmin/models/seed"
	"duoadmin/models/storetest"
	"duoadmin/static"
)

// TestCSRFOnEveryPostRoute: every web write, sign-in included, answers 403
// without the session's authenticity token or with a wrong one, and changes
// nothing. The admin (or, for sign-in, a visitor with a session) is allowed
// everywhere, so the 403 can only be the token check.
func TestCSRFOnEveryPostRoute(t *testing.T) {
	t.Parallel()
	fixtures := map[models.Deployment]*matrixFixture{}
	n := 0
	for _, r := range newMatrixFixture(t).server.Routes() {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || isAPIPath(r.Path) {
			continue
		}
		n++
		d := deploymentsFor(r)[0]
		if fixtures[d] == nil {
			fixtures[d] = newMatrixFixtureOn(t, d)
		}
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			f := fixtures[d].withT(t)
			c := f.as("admin")
			if r.Path == "/users/sign_in" {
				c = f.client()
				c.csrf() // a session with a token exists; the request just lacks it
			}
			path, err := f.concretePath(r, f.scopes["acme"])
			if err != nil {
				t.Fatal(err)
			}
			before := f.snapshot(t)
			for _, tok := range []string{"", "forged", c.csrf() + "x"} {
				form := f.form(r, f.scopes["acme"])
				form.Del("authenticity_token")
				if tok != "" {
					form.Set("authenticity_token", tok)
				}
				req, _ := http.NewRequest(r.Method, f.http.URL+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res := c.do(req)
				if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "authenticity token") {
					t.Errorf("token %q: status %d, want 403 about the authenticity token\n%s", tok, res.StatusCode, snippet(res.Body))
				}
			}
			if after := f.snapshot(t); after != before {
				t.Errorf("a request without a valid token changed data:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	if n < 20 {
		t.Fatalf("only %d web write routes found; Routes() lost some", n)
	}
}

func sessionCookie(t *testing.T, res *response) *http.Cookie {
	t.Helper()
	cs := res.Cookies()
	if len(cs) == 0 {
		t.Fatalf("%s %s set no cookie", res.Request.Method, res.Request.URL.Path)
	}
	return cs[0]
}

// TestSessionCookieFlags: the session cookie is HttpOnly and SameSite=Lax
// always, and Secure when the app is served over https (BASE_URL), both
// when a visitor gets one and when it is replaced at sign-in.
func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"http://127.0.0.1", "https://duo.example.com"} {
		t.Run(base, func(t *testing.T) {
			a := newTestApp(t)
			srv := mustServer(t, handlers.Options{Store: a.store, Deployment: models.SelfManaged, BaseURL: base,
				SessionSecret: strings.Repeat("s", 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS})
			a.http = httptest.NewServer(srv)
			t.Cleanup(a.http.Close)
			c := a.client()
			visit := c.get("/users/sign_in")
			tok, _ := visit.Doc().Find(`input[name="authenticity_token"]`).Attr("value")
			// The jar keeps no Secure cookie over http; send it by hand.
			sess := sessionCookie(t, visit)
			req, _ := http.NewRequest(http.MethodPost, a.http.URL+"/users/sign_in", strings.NewReader(url.Values{
				"authenticity_token": {tok}, "user[login]": {"dev"}, "user[password]": {testPassword}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: sess.Name, Value: sess.Value})
			signIn := c.do(req)
			wantStatus(t, signIn, http.StatusSeeOther)
			for _, res := range []*response{visit, signIn} {
				ck := sessionCookie(t, res)
				if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
					t.Errorf("%s %s: cookie %s HttpOnly=%v SameSite=%v, want HttpOnly and Lax", res.Request.Method, res.Request.URL.Path, ck.Name, ck.HttpOnly, ck.SameSite)
				}
				if want := strings.HasPrefix(base, "https://"); ck.Secure != want {
					t.Errorf("%s %s: cookie Secure=%v, want %v", res.Request.Method, res.Request.URL.Path, ck.Secure, want)
				}
			}
			if sessionCookie(t, signIn).Value == sess.Value {
				t.Error("the session cookie did not change at sign-in")
			}
		})
	}
}

// demoApp is the demo organisation (SQLite) with the admin signed in.
func demoApp(t *testing.T, d models.Deployment) (*app, *client) {
	t.Helper()
	store := storetest.SQLite(t)
	if _, err := seed.Demo(context.Background(), store, models.Today()); err != nil {
		t.Fatal(err)
	}
	srv := mustServer(t, handlers.Options{Store: store, Deployment: d, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("s", 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS})
	a := &app{t: t, store: store, server: srv, http: httptest.NewServer(srv), users: map[string]*models.User{}}
	t.Cleanup(a.http.Close)
	c := a.client()
	res := c.post("/users/sign_in", url.Values{"user[login]": {"admin"}, "user[password]": {seed.DemoPassword}})
	wantStatus(t, res, http.StatusSeeOther)
	return a, c
}

// TestEveryPageIsSafeToRender crawls every page the demo's admin can reach
// by links from /admin and /, in both deployments: each carries the security headers, the CSP
// allows nothing inline, and no page needs it to (no inline <script>, no
// style= attribute, no on*= handler).
func TestEveryPageIsSafeToRender(t *testing.T) {
	t.Parallel()
	for _, d := range []models.Deployment{models.SelfManaged, models.GitLabCom} {
		t.Run(string(d), func(t *testing.T) { crawlSafely(t, d) })
	}
}

func crawlSafely(t *testing.T, d models.Deployment) {
	_, c := demoApp(t, d)
	seen := map[string]bool{}
	variants := map[string]int{} // per path: the sorts and pages of one list are alike
	queue := []string{"/", "/admin", "/users/sign_in", "/-/health", "/-/readiness"}
	pages := 0
	for len(queue) > 0 && len(seen) < 1500 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		res := c.get(path)
		for h, want := range map[string]string{
			"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin",
		} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, h, got, want)
			}
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.HasPrefix(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if res.StatusCode >= 500 {
			t.Errorf("GET %s: status %d", path, res.StatusCode)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		pages++
		doc := res.Doc()
		doc.Find("script:not([src])").Each(func(_ int, s *goquery.Selection) {
			t.Errorf("GET %s: inline <script>: %s", path, snippet(s.Text()))
		})
		doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, at := range s.Nodes[0].Attr {
				if at.Key == "style" || (strings.HasPrefix(at.Key, "on") && at.Key != "open") {
					t.Errorf("GET %s: <%s %s=%q> needs an inline allowance", path, goquery.NodeName(s), at.Key, at.Val)
				}
			}
		})
		doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			u, err := url.Parse(href)
			if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") ||
				strings.HasPrefix(u.Path, "/static/") || strings.HasSuffix(u.Path, ".csv") {
				return
			}
			if !seen[u.RequestURI()] && variants[u.Path] < 4 {
				variants[u.Path]++
				queue = append(queue, u.RequestURI())
			}
		})
	}
	if pages < 40 {
		t.Fatalf("only %d HTML pages reached from the demo; the crawl is broken", pages)
	}
	t.Logf("checked %d responses, %d HTML pages, %d paths; %d left unvisited", len(seen), pages, len(variants), len(queue))
}

type searchBox struct {
	path, param string
	minLen      int // shorter searches are ignored, as GitLab's are
}

// TestSearchBoxesTakeSQLMetacharactersAsText: quotes and comment markers
// are searched for, not executed, and LIKE's % and _ and its escape \ match
// only themselves: every row listed for them shows the literal text, and
// none of these filters lists what the unfiltered page does.
func TestSearchBoxesTakeSQLMetacharactersAsText(t *testing.T) {
	t.Parallel()
	t.Run("self-managed", func(t *testing.T) {
		checkSearchBoxes(t, models.SelfManaged, []searchBox{
			{"/admin/users", "search", 0},
			{"/admin/groups", "search", 0},
			{"/admin/subscriptions", "search", 0},
			{"/admin/gitlab_duo/seat_utilization", "search", models.MinSeatSearch},
			{"/admin/audit_events", "actor", 0},
			{"/admin/audit_events", "target_user", 0},
			{"/admin/audit_events", "group", 0},
			{"/groups/acme/-/audit_events", "actor", 0},
		})
	})
	t.Run("GitLab.com", func(t *testing.T) {
		checkSearchBoxes(t, models.GitLabCom, []searchBox{
			{"/groups/acme/-/usage_quotas/gitlab_duo", "search", models.MinSeatSearch},
		})
	})
}

func checkSearchBoxes(t *testing.T, d models.Deployment, boxes []searchBox) {
	a, c := demoApp(t, d)
	ctx := context.Background()
	usersBefore, err := a.store.CountUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// rows are the listed records; an empty state's one wide cell is none.
	rows := func(path string) []string {
		t.Helper()
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		var out []string
		res.Doc().Find("table tbody tr").Each(func(_ int, tr *goquery.Selection) {
			if tr.Find("td[colspan]").Length() == 1 && tr.Find("td").Length() == 1 {
				return
			}
			out = append(out, strings.ToLower(strings.Join(strings.Fields(tr.Text()), " ")))
		})
		return out
	}
	for _, b := range boxes {
		all := rows(b.path)
		if len(all) < 2 {
			t.Fatalf("%s lists %d rows unfiltered; the check needs some", b.path, len(all))
		}
		for _, v := range []string{"'; DROP TABLE users; --", `" OR 1=1 --`, "%", "_", `\`, "%%%", "___", `\\\`, "a%", "_a_"} {
			if len([]rune(v)) < b.minLen {
				continue
			}
			path := b.path + "?" + url.Values{b.param: {v}}.Encode()
			got := rows(path)
			for _, r := range got {
				if !strings.Contains(r, strings.ToLower(v)) {
					t.Errorf("GET %s lists a row without %q in it: %s", path, v, r)
					break
				}
			}
			if len(got) > 0 && strings.Join(got, "\n") == strings.Join(all, "\n") {
				t.Errorf("GET %s lists the same rows as the unfiltered page", path)
			}
		}
	}
	if usersAfter, err := a.store.CountUsers(ctx); err != nil || usersAfter != usersBefore {
		t.Fatalf("users %+v before, %+v after (%v)", usersBefore, usersAfter, err)
	}
}

// handlers.New refuses to start with a Store that cannot encrypt, rather
// than generating a key that the next restart would lose.
func TestServerRefusesToStartWithoutAnEncryptionKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nokey.db")
	store, err := models.Open("sqlite:"+path, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, err = handlers.New(handlers.Options{Store: store, Deployment: models.SelfManaged, SessionSecret: strings.Repeat("s", 32)})
	if err == nil || !strings.Contains(err.Error(), "encryption key") {
		t.Fatalf("New without a key: %v", err)
	}
	if _, err := handlers.New(handlers.Options{Store: store.WithSecretBox(secretbox.NewRandom()), Deployment: models.SelfManaged,
		SessionSecret: strings.Repeat("s", 32)}); err != nil {
		t.Fatalf("New with a key: %v", err)
	}
}
