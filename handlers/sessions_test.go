package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

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
	a := newTestApp(t)
	c := a.as("dev")
	stolen := c.sessionCookieOf()
	wantSignedIn(t, a.replay(stolen), a.users["dev"])
	wantStatus(t, c.post("/users/sign_out", nil), http.StatusSeeOther)
	wantSignedOut(t, a.replay(stolen), a.users["dev"])
	wantSignedOut(t, c, a.users["dev"])
}

func TestCopiedCookieEndsWhenAdminChangesThePassword(t *testing.T) {
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
	a := newTestApp(t)
	other := handlers.New(handlers.Options{Store: a.store, Deployment: models.SelfManaged, BaseURL: "http://127.0.0.1",
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

// A cookie-only session signed with the app's secret (what every session
// was before they moved to the database) signs no one in any more.
func TestSignedOutSessionCannotCarryAUser(t *testing.T) {
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
