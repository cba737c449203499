package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duoadmin/models"
)

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.client()
	res := c.get("/admin")
	wantStatus(t, res, http.StatusFound)
	if res.Header.Get("Location") != "/users/sign_in" {
		t.Fatalf("signed-out visitor sent to %q", res.Header.Get("Location"))
	}
	res = c.post("/users/sign_in", url.Values{"user[login]": {"admin@example.com"}, "user[password]": {testPassword}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin" {
		t.Fatalf("after sign-in went to %q, want the page asked for", loc)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "_duoadmin_session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Fatalf("session cookie flags: %+v", ck)
		}
	}
	page := c.get("/admin")
	wantStatus(t, page, http.StatusOK)
	if got := page.Text(`[data-testid="current-user"]`); !strings.Contains(got, "@admin") {
		t.Fatalf("top bar shows %q", got)
	}
	res = c.post("/users/sign_out", nil)
	wantStatus(t, res, http.StatusSeeOther)
	if got := c.follow(res).Flash(); got != "Signed out successfully." {
		t.Fatalf("flash %q", got)
	}
	wantStatus(t, c.get("/admin"), http.StatusFound)
}

func TestSignInRejectsWrongPasswordAndThrottles(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.client()
	for i := 0; i < models.MaxSignInFailures; i++ {
		res := c.post("/users/sign_in", url.Values{"user[login]": {"dev"}, "user[password]": {"wrong"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := res.Text(`[data-testid="sign-in-error"]`); got != "Invalid login or password." {
			t.Fatalf("error %q", got)
		}
		if v, _ := res.Doc().Find("#user_login").Attr("value"); v != "dev" {
			t.Fatalf("login not kept in the form: %q", v)
		}
	}
	res := c.post("/users/sign_in", url.Values{"user[login]": {"dev"}, "user[password]": {testPassword}})
	wantStatus(t, res, http.StatusTooManyRequests)
	if !strings.Contains(res.Text(`[data-testid="sign-in-error"]`), "Too many failed sign-in attempts") {
		t.Fatalf("locked login: %s", res.Text(`[data-testid="sign-in-error"]`))
	}
}

func TestBlockedUserIsSignedOutAtOnce(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("dev")
	wantStatus(t, c.get("/"), http.StatusOK)
	if _, err := a.store.SetUserState(context.Background(), models.ActorFor(a.users["admin"]), a.users["dev"].ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	res := c.get("/")
	wantStatus(t, res, http.StatusFound)
	res = c.post("/users/sign_in", url.Values{"user[login]": {"dev"}, "user[password]": {testPassword}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text(`[data-testid="sign-in-error"]`), "blocked") {
		t.Fatalf("blocked sign-in message: %q", res.Text(`[data-testid="sign-in-error"]`))
	}
}

func TestSessionRotatesAtSignIn(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.client()
	before := c.csrf()
	c.post("/users/sign_in", url.Values{"user[login]": {"dev"}, "user[password]": {testPassword}})
	if after := c.csrf(); after == before {
		t.Fatal("CSRF token (and session id) must change at sign-in")
	}
}

func TestCSRFMissingOrWrongIs403(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	res := c.postRaw("/users/sign_out", url.Values{})
	wantStatus(t, res, http.StatusForbidden)
	res = c.postRaw("/users/sign_out", url.Values{"authenticity_token": {"forged"}})
	wantStatus(t, res, http.StatusForbidden)
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.client().get("/users/sign_in")
	for h, want := range map[string]string{
		"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
}
