package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/static"
)

// sessionCookieOf is the session cookie a client's browser holds.
func (c *client) sessionCookieOf() *http.Cookie {
	c.t.Helper()
	u, _ := url.Parse(c.app.http.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "_duoadmin_session" {
			return ck
		}
	}
	c.t.Fatal("the client holds no session cookie")
	return nil
}

// replay is a fresh browser (another machine) holding only a copy of ck,
// as an attacker who stole the cookie would.
func (a *app) replay(ck *http.Cookie) *client {
	c := a.client()
	u, _ := url.Parse(a.http.URL)
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	c.hc.Jar = jar
	return c
}

// wantSignedOut: the copied cookie signs no one in. The page answers with
// the redirect to sign in and nothing of the user's.
func wantSignedOut(t *testing.T, c *client, u *models.User) {
	t.Helper()
	for _, path := range []string{"/", "/-/profile/gitlab_duo"} {
		res := c.get(path)
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/users/sign_in" {
			t.Fatalf("GET %s with an ended session: status %d to %q, want 302 to /users/sign_in\n%s", path, res.StatusCode, res.Header.Get("Location"), snippet(res.Body))
		}
		for _, leak := range []string{u.Name, "@" + u.Username, u.Email} {
			if strings.Contains(res.Body, leak) {
				t.Fatalf("GET %s with an ended session shows %q", path, leak)
			}
		}
	}
}

func wantSignedIn(t *testing.T, c *client, u *models.User) {
	t.Helper()
	res := c.get("/-/profile/gitlab_duo")
	wantStatus(t, res, http.StatusOK)
	if got := res.Text(`[data-testid="current-user"]`); !strings.Contains(got, "@"+u.Username) {
		t.Fatalf("signed in as %q, want %s", got, u.Username)
	}
}

func TestCopiedCookieEndsAtSignOut(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("dev")
	stolen := c.sessionCookieOf()
	wantSignedIn(t, a.replay(stolen), a.users["dev"])
	wantStatus(t, c.post("/users/sign_out", nil), http.StatusSeeOther)
	wantSignedOut(t, a.replay(stolen), a.users["dev"])
	wantSignedOut(t, c, a.users["dev"])
}

func TestCopiedCookieEndsWhenAdminChangesThePassword(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	stolen := a.as("dev").sessionCookieOf()
	admin := a.as("admin")
	f := adminUsersForm("Dev Eloper", "dev", "dev@example.com", "regular")
	f.Set("user[password]", "a-brand-new-password")
	wantStatus(t, admin.post("/admin/users/dev", f), http.StatusSeeOther)
	wantSignedOut(t, a.replay(stolen), a.users["dev"])
	// The admin's own session is not the dev's: it goes on.
	wantSignedIn(t, admin, a.users["admin"])
}

// Blocking, banning or deactivating ends the sessions: undoing it (which
// the old cookie-only sessions let an old cookie survive) does not bring
// them back.
func TestCopiedCookieEndsWithBlockBanDeactivate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ action, undo string }{
		{"block", "unblock"}, {"ban", "unban"}, {"deactivate", "activate"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			a := newTestApp(t)
			stolen := a.as("dev").sessionCookieOf()
			admin := a.as("admin")
			wantStatus(t, admin.post("/admin/users/dev/"+tc.action, nil), http.StatusSeeOther)
			wantSignedOut(t, a.replay(stolen), a.users["dev"])
			wantStatus(t, admin.post("/admin/users/dev/"+tc.undo, nil), http.StatusSeeOther)
			if u := adminUsersGet(a, "dev"); u.State != models.StateActive {
				t.Fatalf("after %s the user is %s", tc.undo, u.State)
			}
			wantSignedOut(t, a.replay(stolen), a.users["dev"])
		})
	}
}

func TestAdminRevokesEverySessionOfAUser(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	laptop, phone := a.as("dev"), a.as("dev")
	owner := a.as("owner")
	admin := a.as("admin")
	page := admin.get("/admin/users/dev")
	wantStatus(t, page, http.StatusOK)
	if page.Doc().Find(`form[action="/admin/users/dev/sessions/revoke"] button`).Length() != 1 {
		t.Fatal("the admin user page has no Revoke sessions button")
	}
	before := adminUsersAuditCount(a)
	res := admin.post("/admin/users/dev/sessions/revoke", nil)
	wantStatus(t, res, http.StatusSeeOther)
	if got := admin.follow(res).Flash(); got != "Revoked 2 sessions of Dev Eloper." {
		t.Fatalf("flash %q", got)
	}
	wantSignedOut(t, laptop, a.users["dev"])
	wantSignedOut(t, phone, a.users["dev"])
	wantSignedIn(t, owner, a.users["owner"])
	wantSignedIn(t, admin, a.users["admin"])
	ev := adminUsersAudit(a, "user_sessions_revoked", "dev")
	if ev == nil || adminUsersAuditCount(a) != before+1 {
		t.Fatal("no user_sessions_revoked audit event")
	}
	if ev.ActorName != "admin" || !strings.Contains(ev.Details, `"sessions":2`) {
		t.Fatalf("audit event %+v", ev)
	}
	// Auditors see the user page but cannot revoke; the dev cannot either.
	wantStatus(t, a.as("support").post("/admin/users/owner/sessions/revoke", nil), http.StatusForbidden)
	wantStatus(t, a.as("dev").post("/admin/users/owner/sessions/revoke", nil), http.StatusNotFound)
	wantSignedIn(t, owner, a.users["owner"])
}

// Two app instances on one database are two handlers.New on one store:
// what one ends, the other refuses at once.
func TestSessionEndedOnOneInstanceIsRefusedByAnother(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	other := mustServer(t, handlers.Options{Store: a.store, Deployment: models.SelfManaged, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("s", 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS})
	b := &app{t: t, store: a.store, server: other, http: httptest.NewServer(other), users: a.users}
	t.Cleanup(b.http.Close)

	c := a.as("dev")
	ck := c.sessionCookieOf()
	wantSignedIn(t, b.replay(ck), a.users["dev"])
	wantStatus(t, c.post("/users/sign_out", nil), http.StatusSeeOther)
	wantSignedOut(t, b.replay(ck), a.users["dev"])

	// And the other way round, through a revocation.
	c = b.as("owner")
	ck = c.sessionCookieOf()
	wantSignedIn(t, a.replay(ck), a.users["owner"])
	wantStatus(t, a.as("admin").post("/admin/users/owner/sessions/revoke", nil), http.StatusSeeOther)
	wantSignedOut(t, b.replay(ck), a.users["owner"])
}

// The cookie is a random id and nothing else: no user id, no values.
func TestSessionCookieIsOnlyARandomID(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	seen := map[string]bool{}
	for range 3 {
		v := a.as("dev").sessionCookieOf().Value
		if seen[v] {
			t.Fatal("two sign-ins got the same session id")
		}
		seen[v] = true
		id, ok := strings.CutPrefix(v, "v2.")
		if !ok || len(id) != 43 || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("cookie %q is not a random 256-bit id", v)
		}
	}
	// The database keeps only a hash of it: the cookie's value is nowhere.
	db, _ := a.store.SQLDB()
	for v := range seen {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM user_sessions WHERE token_hash = $1", strings.TrimPrefix(v, "v2.")).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatal("the raw session id is stored")
		}
	}
}

// A visitor's session (CSRF token, flash) stays in the cookie: visits write
// no rows. (That such a cookie never signs anyone in is
// TestSignedCookieCarryingAUserSignsNoOneIn.)
func TestVisitorSessionStaysInTheCookie(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.client()
	c.csrf()
	if v := c.sessionCookieOf().Value; strings.HasPrefix(v, "v2.") {
		t.Fatalf("a visitor got a database session: %q", v)
	}
	ctx := context.Background()
	if n := countSessions(t, a.store, ctx); n != 0 {
		t.Fatalf("a visitor's session wrote %d rows", n)
	}
}

func countSessions(t *testing.T, s *models.Store, ctx context.Context) int {
	t.Helper()
	db, _ := s.SQLDB()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM user_sessions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// userAgent makes a client's requests say they come from a browser.
type userAgent struct {
	ua   string
	next http.RoundTripper
}

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	return u.next.RoundTrip(r)
}

func (a *app) browser(ua, username string) *client {
	c := a.client()
	c.hc.Transport = userAgent{ua, http.DefaultTransport}
	res := c.post("/users/sign_in", url.Values{"user[login]": {username}, "user[password]": {testPassword}})
	wantStatus(a.t, res, http.StatusSeeOther)
	return c
}

const (
	firefoxLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	chromeMac    = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)

func TestActiveSessionsListsAndRevokes(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	laptop := a.browser(firefoxLinux, "dev")
	phone := a.browser(chromeMac, "dev")
	other := a.as("owner")

	page := laptop.get("/-/user_settings/active_sessions")
	wantStatus(t, page, http.StatusOK)
	rows := page.Doc().Find(`[data-testid="active-session"]`)
	if rows.Length() != 2 {
		t.Fatalf("%d sessions listed, want the dev's 2\n%s", rows.Length(), snippet(page.Body))
	}
	current := rows.First()
	if _, ok := current.Attr("data-current"); !ok || !strings.Contains(current.Text(), "This is your current session") ||
		!strings.Contains(current.Text(), "Firefox on Linux") || current.Find(`[data-testid="revoke-session"]`).Length() != 0 {
		t.Fatalf("the current session row: %q", current.Text())
	}
	second := rows.Eq(1)
	if !strings.Contains(second.Text(), "Chrome on macOS") || !strings.Contains(second.Text(), "Last accessed on") ||
		!strings.Contains(second.Text(), "Signed in on") || second.Find(`[data-testid="session-ip"]`).Text() != "127.0.0.1" {
		t.Fatalf("the other session row: %q", second.Text())
	}
	if strings.Contains(page.Body, laptop.sessionCookieOf().Value) || strings.Contains(page.Body, phone.sessionCookieOf().Value) {
		t.Fatal("the page shows a session's cookie")
	}
	if page.Doc().Find(`[data-testid="sidebar"] a[href="/-/user_settings/active_sessions"]`).Length() != 1 {
		t.Fatal("no Active sessions link in the user settings sidebar")
	}
	profile := laptop.get("/-/profile/gitlab_duo")
	if profile.Doc().Find(`[data-testid="sidebar"] a[href="/-/user_settings/active_sessions"]`).Length() != 1 {
		t.Fatal("the profile page does not link to Active sessions")
	}

	phoneID := second.AttrOr("data-session-id", "")
	currentID := current.AttrOr("data-session-id", "")
	otherSessions, err := a.store.ActiveSessions(context.Background(), a.users["owner"].ID, "", time.Now())
	if err != nil || len(otherSessions) != 1 {
		t.Fatalf("owner sessions %v %v", otherSessions, err)
	}
	before := adminUsersAuditCount(a)

	// Not one's own: 404, and the owner stays signed in.
	res := laptop.post("/-/user_settings/active_sessions/revoke", url.Values{"id": {strconv.FormatInt(otherSessions[0].ID, 10)}})
	wantStatus(t, res, http.StatusNotFound)
	wantSignedIn(t, other, a.users["owner"])
	// The current one: refused, ended by signing out instead.
	res = laptop.post("/-/user_settings/active_sessions/revoke", url.Values{"id": {currentID}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text(`[data-testid="form-errors"]`), "This is your current session") {
		t.Fatalf("revoking the current session: %q", res.Text(`[data-testid="form-errors"]`))
	}
	wantStatus(t, laptop.post("/-/user_settings/active_sessions/revoke", url.Values{"id": {"x"}}), http.StatusUnprocessableEntity)
	if adminUsersAuditCount(a) != before {
		t.Fatal("a refused revoke was audited")
	}

	res = laptop.post("/-/user_settings/active_sessions/revoke", url.Values{"id": {phoneID}})
	wantStatus(t, res, http.StatusSeeOther)
	page = laptop.follow(res)
	if page.Flash() != "The session was revoked." || page.Doc().Find(`[data-testid="active-session"]`).Length() != 1 {
		t.Fatalf("after revoking: flash %q, %d sessions", page.Flash(), page.Doc().Find(`[data-testid="active-session"]`).Length())
	}
	wantSignedOut(t, phone, a.users["dev"])
	wantSignedIn(t, laptop, a.users["dev"])
	ev := adminUsersAudit(a, "user_session_revoked", "dev")
	if ev == nil || ev.ActorName != "dev" || !strings.Contains(ev.Details, "Chrome/126") || adminUsersAuditCount(a) != before+1 {
		t.Fatalf("audit event %+v", ev)
	}
	// Revoked already: there is nothing to revoke.
	wantStatus(t, laptop.post("/-/user_settings/active_sessions/revoke", url.Values{"id": {phoneID}}), http.StatusNotFound)
}
