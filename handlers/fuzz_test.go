package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/storetest"
	"duoadmin/static"
)

// fuzzSite is a running server on Postgres when TEST_DATABASE_URL is set
// (the engine that refuses NUL bytes and bad UTF-8), else SQLite, with an admin, a few members, a
// group and project, a Duo Pro purchase, the admin's API token and a signed-in
// browser session. The harness's app wants a *testing.T, which a fuzz
// target does not have.
type fuzzSite struct {
	url   string
	hc    *http.Client
	token string // the admin's personal access token
	csrf  string // the browser session's authenticity token
}

func newFuzzSite(f *testing.F) *fuzzSite {
	f.Helper()
	store := storetest.Any(f)
	srv := mustServer(f, handlers.Options{Store: store, Deployment: models.SelfManaged, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("s", 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS})
	hs := httptest.NewServer(srv)
	f.Cleanup(hs.Close)
	ctx := context.Background()
	must := func(err error) {
		f.Helper()
		if err != nil {
			f.Fatal(err)
		}
	}
	admin, err := store.CreateUser(ctx, models.Actor{Username: "test"}, models.UserInput{Username: "admin", Name: "Ada Admin",
		Email: "admin@example.com", Admin: true, Password: testPassword})
	must(err)
	actor := models.ActorFor(admin)
	for _, n := range []string{"ann", "bob", "cid"} {
		_, err := store.CreateUser(ctx, actor, models.UserInput{Username: n, Name: strings.ToUpper(n), Email: n + "@example.com", Password: testPassword})
		must(err)
	}
	g, err := store.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
	must(err)
	_, err = store.CreateProject(ctx, actor, g, models.ProjectInput{Path: "backend", Name: "Backend"})
	must(err)
	_, err = store.CreateSubscription(ctx, actor, models.SelfManaged, models.SubscriptionInput{Name: "A-S00000001", Plan: models.PlanUltimate,
		Seats: 50, StartsOn: models.Today().AddDays(-1), EndsOn: models.Today().AddDays(365)})
	must(err)
	_, err = store.CreatePurchase(ctx, actor, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 2,
		ExpiresOn: models.Today().AddDays(30), PurchaseXID: "A-S00000001"})
	must(err)
	tok, err := store.CreatePersonalAccessToken(ctx, actor, admin, "fuzz", nil)
	must(err)

	jar, _ := cookiejar.New(nil)
	s := &fuzzSite{url: hs.URL, token: tok, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	s.csrf = s.scrapeCSRF(f)
	res, err := s.hc.PostForm(hs.URL+"/users/sign_in", url.Values{"authenticity_token": {s.csrf},
		"user[login]": {"admin"}, "user[password]": {testPassword}})
	must(err)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		f.Fatalf("sign in: status %d", res.StatusCode)
	}
	s.csrf = s.scrapeCSRF(f) // rotated at sign-in
	return s
}

var csrfInput = regexp.MustCompile(`name="authenticity_token" value="([^"]+)"`)

func (s *fuzzSite) scrapeCSRF(f *testing.F) string {
	f.Helper()
	res, err := s.hc.Get(s.url + "/admin/gitlab_duo/seat_utilization")
	if err == nil && res.StatusCode == http.StatusFound {
		res.Body.Close()
		res, err = s.hc.Get(s.url + "/users/sign_in")
	}
	if err != nil {
		f.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := csrfInput.FindSubmatch(b)
	if m == nil {
		f.Fatalf("no authenticity_token on %s", res.Request.URL.Path)
	}
	return string(m[1])
}

// FuzzSeatBulkForm posts arbitrary bodies to the bulk seat form (a valid
// session and token first, so the binder itself is reached): user_ids,
// select_all, the filters and confirm may hold anything, and the answer is
// never a server error.
func FuzzSeatBulkForm(f *testing.F) {
	for _, seed := range []string{
		"bulk_action=assign&user_ids=2&user_ids=3",
		"bulk_action=assign&user_ids=2&user_ids=3&user_ids=4&confirm=1",
		"bulk_action=remove&select_all=1&confirm=1",
		"bulk_action=assign&select_all=1&search=an&assigned=false&sort=name_desc&per_page=50&page=2",
		"bulk_action=assign&user_ids=-1&user_ids=9223372036854775808&user_ids=%20&page=-3",
		"bulk_action=remove&user_ids=abc&search=%25_%5C",
		"bulk_action=nope",
		"%zz=1&bulk_action=assign",
		"",
	} {
		f.Add(seed)
	}
	s := newFuzzSite(f)
	f.Fuzz(func(t *testing.T, body string) {
		req, _ := http.NewRequest(http.MethodPost, s.url+"/admin/gitlab_duo/seat_utilization/bulk", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// The header rather than the body, so a body that does not parse
		// still reaches the binder.
		req.Header.Set("X-CSRF-Token", s.csrf)
		res, err := s.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("body %q: status %d\n%s", body, res.StatusCode, snippet(string(b)))
		}
		if res.StatusCode == http.StatusForbidden {
			t.Fatalf("body %q: 403, the session or token was lost", body)
		}
	})
}

// FuzzAccessQuery sends arbitrary query strings to GET /api/v4/duo/access
// as an admin: the answer is 200 with a decision, 400 (with a message) for
// a missing or unknown feature, an unknown context, a bad origin or more
// than one of project/group/origin, or 404 for a group or project that does
// not exist (or a user=, which admins may ask about); never a server error.
func FuzzAccessQuery(f *testing.F) {
	for _, seed := range []string{
		"feature=code_suggestions",
		"feature=code_suggestions&project=acme/backend",
		"feature=code_suggestions&group=acme&context=web",
		"feature=duo_chat&origin=unknown",
		"feature=code_suggestions&project=acme/backend&group=acme",
		"feature=nope",
		"feature=code_suggestions&context=%00",
		"feature=code_suggestions&project=../../etc",
		"",
		"feature=code_suggestions&feature=duo_chat&user=someone",
	} {
		f.Add(seed)
	}
	s := newFuzzSite(f)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		// What a client can put on the request line: printable ASCII, no fragment.
		if strings.ContainsFunc(rawQuery, func(r rune) bool { return r <= ' ' || r > '~' || r == '#' }) {
			t.Skip("not sendable on a request line")
		}
		req, _ := http.NewRequest(http.MethodGet, s.url+"/api/v4/duo/access", nil)
		req.URL.RawQuery = rawQuery
		req.Header.Set("PRIVATE-TOKEN", s.token)
		res, err := s.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("query %q: status %d\n%s", rawQuery, res.StatusCode, snippet(string(b)))
		}
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("query %q: status %d, body is not JSON: %q", rawQuery, res.StatusCode, snippet(string(b)))
		}
		q, _ := url.ParseQuery(rawQuery) // Go keeps what parses, as echo does
		if bad := accessQueryProblem(q); bad != "" {
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("query %q (%s): status %d, want 400", rawQuery, bad, res.StatusCode)
			}
			if body["message"] == nil && body["error"] == nil {
				t.Fatalf("query %q: 400 without a message: %s", rawQuery, b)
			}
			return
		}
		switch res.StatusCode {
		case http.StatusOK:
			if _, ok := body["allowed"].(bool); !ok {
				t.Fatalf("query %q: 200 without allowed: %s", rawQuery, b)
			}
		case http.StatusNotFound:
			if q.Get("project") == "" && q.Get("group") == "" && strings.TrimSpace(q.Get("user")) == "" {
				t.Fatalf("query %q: 404 without a user, group or project to miss", rawQuery)
			}
		default:
			t.Fatalf("query %q: status %d, want 200 or 404\n%s", rawQuery, res.StatusCode, b)
		}
	})
}

// accessQueryProblem is why a query must be refused, from the API's
// documented rules; "" when it is well formed.
func accessQueryProblem(q url.Values) string {
	for k, vs := range q {
		for _, v := range append(vs, k) {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return "a NUL or invalid UTF-8"
			}
		}
	}
	if _, ok := access.FeatureByID(q.Get("feature")); !ok {
		return "missing or unknown feature"
	}
	if c := q.Get("context"); c != "" {
		if _, ok := access.ParseContext(c); !ok {
			return "unknown context"
		}
	}
	if o := q.Get("origin"); o != "" && o != "unknown" {
		return "bad origin"
	}
	n := 0
	for _, k := range []string{"project", "group", "origin"} {
		if q.Get(k) != "" {
			n++
		}
	}
	if n > 1 {
		return "more than one of project, group, origin"
	}
	return ""
}
