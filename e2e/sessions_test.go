package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"duoadmin/models"
)

// TestRevokeAnotherBrowsersSession: signed in on two browsers, the user
// opens Active sessions from their settings on the first, sees both (the
// first marked as the current one), revokes the second; the second is sent
// to sign in on its next page.
func TestRevokeAnotherBrowsersSession(t *testing.T) {
	s := startJourneySite(t, models.SelfManaged)
	s.person("dev", "Dev Eloper", true)
	laptop, phone := journeyBrowser(t), journeyBrowser(t)
	signInAs(t, laptop, s, "dev")
	signInAs(t, phone, s, "dev")

	open(t, laptop, s, "/-/profile/gitlab_duo", 200)
	do(t, laptop, "open Active sessions from the sidebar",
		chromedp.Click(chromedp.CSS(`[data-testid="sidebar"] a[href="/-/user_settings/active_sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="active-session"]`)),
	)
	if n := count(t, laptop, `[data-testid="active-session"]`); n != 2 {
		t.Fatalf("%d sessions listed, want 2", n)
	}
	wantContains(t, laptop, `[data-testid="active-session"][data-current]`, "This is your current session")
	shot(t, laptop, "active-sessions")
	do(t, laptop, "revoke the other session",
		chromedp.Click(chromedp.CSS(`[data-testid="revoke-session"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	wantContains(t, laptop, `[data-testid="flash"]`, "The session was revoked.")
	if n := count(t, laptop, `[data-testid="active-session"]`); n != 1 {
		t.Fatalf("%d sessions listed after revoking, want 1", n)
	}

	open(t, phone, s, "/-/profile/gitlab_duo", 200)
	if loc := run(t, phone, "location", chromedp.Location()); loc != s.url+"/users/sign_in" {
		t.Fatalf("the revoked browser is at %s, want the sign-in page", loc)
	}
	if n := count(t, phone, `[data-testid="current-user"]`); n != 0 {
		t.Fatal("the revoked browser still shows a signed-in user")
	}
}
