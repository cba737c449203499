package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/static"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.DropTemplate()
	os.Exit(code)
}

const testPassword = "correct-horse-battery"

// app is a running server on a fresh database with four users whose roles
// match the demo logins: admin, support (auditor), owner, dev.
type app struct {
	// authorized lists the requests ("GET /path?query") whose route's rule
	// let them through to the handler (handlers.Options.AfterAuthorization).
	authorized *requestLog
	t          *testing.T
	store      *models.Store
	server     *handlers.Server
	http       *httptest.Server
	users      map[string]*models.User
}

func newApp(t *testing.T, store *models.Store, deployment models.Deployment) *app {
	t.Helper()
	return newAppLogging(t, store, deployment, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// newAppLogging is newApp whose server logs to logger.
func newAppLogging(t *testing.T, store *models.Store, deployment models.Deployment, logger *slog.Logger) *app {
	t.Helper()
	authorized := &requestLog{}
	srv := mustServer(t, handlers.Options{Store: store, Deployment: deployment, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("s", 32), Logger: logger, Static: static.FS,
		AfterAuthorization: authorized.add})
	a := &app{t: t, store: store, server: srv, http: httptest.NewServer(srv), users: map[string]*models.User{}, authorized: authorized}
	t.Cleanup(a.http.Close)
	for _, u := range []models.UserInput{
		{Username: "admin", Name: "Ada Admin", Email: "admin@example.com", Admin: true},
		{Username: "support", Name: "Sam Support", Email: "support@example.com", Auditor: true},
		{Username: "owner", Name: "Olivia Owner", Email: "owner@example.com"},
		{Username: "dev", Name: "Dev Eloper", Email: "dev@example.com"},
	} {
		u.Password = testPassword
		a.users[u.Username] = a.mustUser(u)
	}
	return a
}

// requestLog is a list of requests, safe for concurrent handlers.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r.Method+" "+r.URL.RequestURI())
}

// mark is where the log ends now; since lists what came after it.
func (l *requestLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

func (l *requestLog) since(mark int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.reqs[mark:]...)
}

// newTestApp is newApp on one store (Postgres when available), self-managed.
func newTestApp(t *testing.T) *app { return newApp(t, storetest.Any(t), models.SelfManaged) }

func (a *app) mustUser(in models.UserInput) *models.User {
	a.t.Helper()
	u, err := a.store.CreateUser(context.Background(), models.Actor{Username: "test"}, in)
	if err != nil {
		a.t.Fatalf("create user %s: %v", in.Username, err)
	}
	return u
}

// client is one browser: a cookie jar that does not follow redirects, so
// tests can assert 303 + Location.
type client struct {
	t   *testing.T
	app *app
	hc  *http.Client
}

func (a *app) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: a.t, app: a, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// as returns a client signed in as username.
func (a *app) as(username string) *client {
	c := a.client()
	if username == "" {
		return c
	}
	res := c.post("/users/sign_in", url.Values{"user[login]": {username}, "user[password]": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("sign in as %s: status %d", username, res.StatusCode)
	}
	return c
}

type response struct {
	*http.Response
	Body string
	doc  *goquery.Document
}

func (r *response) Doc() *goquery.Document {
	if r.doc == nil {
		r.doc, _ = goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	}
	return r.doc
}

// Text is the trimmed text of the first element matching sel.
func (r *response) Text(sel string) string {
	return strings.TrimSpace(r.Doc().Find(sel).First().Text())
}

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{Response: res, Body: string(b)}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.http.URL+path, nil)
	return c.do(req)
}

// csrf fetches a page and scrapes the authenticity token, as a browser would.
func (c *client) csrf() string {
	c.t.Helper()
	res := c.get("/users/sign_in")
	for i := 0; i < 3 && res.StatusCode == http.StatusFound; i++ {
		res = c.get(res.Header.Get("Location"))
	}
	tok, _ := res.Doc().Find(`input[name="authenticity_token"]`).First().Attr("value")
	if tok == "" {
		c.t.Fatal("no authenticity_token on the page")
	}
	return tok
}

// post submits a form with a valid CSRF token.
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("authenticity_token") == "" {
		form.Set("authenticity_token", c.csrf())
	}
	return c.postRaw(path, form)
}

// postRaw submits a form as given (no token added).
func (c *client) postRaw(path string, form url.Values) *response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.app.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// follow loads the page a 303 points to, where the flash is shown.
func (c *client) follow(r *response) *response {
	c.t.Helper()
	if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusFound {
		c.t.Fatalf("want a redirect, got %d: %s", r.StatusCode, snippet(r.Body))
	}
	return c.get(r.Header.Get("Location"))
}

func (r *response) Flash() string { return r.Text(`[data-testid="flash"]`) }

func snippet(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func wantStatus(t *testing.T, r *response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, snippet(r.Body))
	}
}

// mustServer is handlers.New's server, or the test stops.
func mustServer(t testing.TB, opts handlers.Options) *handlers.Server {
	t.Helper()
	srv, err := handlers.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}
