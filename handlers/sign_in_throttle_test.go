package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/static"
)

func signIn(c *client, login, password string) *response {
	c.t.Helper()
	return c.post("/users/sign_in", url.Values{"user[login]": {login}, "user[password]": {password}})
}

func wantLocked(t *testing.T, res *response) {
	t.Helper()
	wantStatus(t, res, http.StatusTooManyRequests)
	if !strings.Contains(res.Text(`[data-testid="sign-in-error"]`), "Too many failed sign-in attempts") {
		t.Fatalf("locked sign-in says %q", res.Text(`[data-testid="sign-in-error"]`))
	}
	if res.Header.Get("Set-Cookie") != "" && strings.Contains(res.Header.Get("Set-Cookie"), "v2.") {
		t.Fatal("a locked sign-in started a session")
	}
}

// The failures count for the account, whatever the login typed: username
// in any case, with spaces around, or email.
func TestSignInThrottlesPerAccountWhateverTheLogin(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	logins := []string{"dev", "DEV", "dev@example.com", " Dev ", "DEV@Example.COM"}
	if len(logins) != models.MaxSignInFailures {
		t.Fatalf("the test types %d logins, the limit is %d", len(logins), models.MaxSignInFailures)
	}
	for _, login := range logins {
		wantStatus(t, signIn(a.client(), login, "wrong"), http.StatusUnprocessableEntity)
	}
	wantLocked(t, signIn(a.client(), "dev@example.com", testPassword))
	wantLocked(t, signIn(a.client(), "dev", testPassword))
	// Another account is not locked by them.
	wantStatus(t, signIn(a.client(), "owner", testPassword), http.StatusSeeOther)

	// The lockout is in the database: a restarted instance, or another
	// one, holds it too.
	b := secondInstance(t, a, false)
	wantLocked(t, signIn(b.client(), "DEV", testPassword))
}

// secondInstance is another app instance on a's database.
func secondInstance(t *testing.T, a *app, trustProxy bool) *app {
	t.Helper()
	srv := mustServer(t, handlers.Options{Store: a.store, Deployment: models.SelfManaged, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("s", 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS,
		TrustProxy: trustProxy})
	b := &app{t: t, store: a.store, server: srv, http: httptest.NewServer(srv), users: a.users}
	t.Cleanup(b.http.Close)
	return b
}

// One client address trying many logins is locked out, even for an
// account it has the password of; X-Forwarded-For does not get it out
// unless the server is told to trust a proxy.
func TestSignInThrottlesPerClientIP(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.client()
	for i := range models.MaxSignInFailuresPerIP {
		form := url.Values{"user[login]": {"nobody" + strings.Repeat("x", i)}, "user[password]": {"wrong"}, "authenticity_token": {c.csrf()}}
		req, _ := http.NewRequest(http.MethodPost, a.http.URL+"/users/sign_in", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113."+strings.Repeat("1", 1+i%3))
		wantStatus(t, c.do(req), http.StatusUnprocessableEntity)
	}
	wantLocked(t, signIn(a.client(), "owner", testPassword))

	// Behind a trusted proxy the forwarded address is the client's.
	b := secondInstance(t, a, true)
	bc := b.client()
	form := url.Values{"user[login]": {"owner"}, "user[password]": {testPassword}, "authenticity_token": {bc.csrf()}}
	req, _ := http.NewRequest(http.MethodPost, b.http.URL+"/users/sign_in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	wantStatus(t, bc.do(req), http.StatusSeeOther)
}

// Simultaneous failures of one login (a new one and an existing account)
// all answer 422: none races to a duplicate key and a 500.
func TestSimultaneousSignInFailuresNever500(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, login := range []string{"never-seen-before", "dev"} {
		const n = 12
		type attempt struct {
			hc    *http.Client
			token string
		}
		attempts := make([]attempt, n)
		for i := range attempts {
			c := a.client()
			attempts[i] = attempt{c.hc, c.csrf()}
		}
		start := make(chan struct{})
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i, at := range attempts {
			wg.Go(func() {
				form := url.Values{"user[login]": {login}, "user[password]": {"wrong"}, "authenticity_token": {at.token}}
				req, _ := http.NewRequest(http.MethodPost, a.http.URL+"/users/sign_in", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				<-start
				res, err := at.hc.Do(req)
				if err != nil {
					return
				}
				res.Body.Close()
				statuses[i] = res.StatusCode
			})
		}
		close(start)
		wg.Wait()
		for i, st := range statuses {
			if st != http.StatusUnprocessableEntity && st != http.StatusTooManyRequests {
				t.Errorf("%s attempt %d: status %d, want 422 or 429", login, i, st)
			}
		}
		// A new client resets the per-IP count between the two logins.
		db, _ := a.store.SQLDB()
		if _, err := db.Exec("DELETE FROM sign_in_throttles"); err != nil {
			t.Fatal(err)
		}
	}
}
