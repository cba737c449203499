package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSignInAndOpenGroup signs in through the real form, lands in the Admin
// area, then opens a group's overview: heading, sidebar and GitLab's CSS.
func TestSignInAndOpenGroup(t *testing.T) {
	s := startSite(t)
	ctx := newBrowser(t)

	do(t, ctx, "sign in",
		chromedp.Navigate(s.url+"/users/sign_in"),
		chromedp.WaitVisible(chromedp.ID("user_login")),
		chromedp.SendKeys(chromedp.ID("user_login"), "admin"),
		chromedp.SendKeys(chromedp.ID("user_password"), adminPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="sign-in-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="current-user"]`)),
	)
	if loc := run(t, ctx, "location", chromedp.Location()); loc != s.url+"/admin" {
		t.Errorf("after sign-in the browser is at %s, want %s/admin", loc, s.url)
	}
	if who := run(t, ctx, "top bar", chromedp.Text(chromedp.CSS(`[data-testid="current-user"]`))); !strings.Contains(who, "@admin") {
		t.Fatalf("top bar shows %q, want @admin", who)
	}

	res := run(t, ctx, "open /groups/acme", chromedp.NavigateResponse(s.url+"/groups/acme"))
	// Before the assertions, so a failing page is still captured.
	screenshot(t, ctx)
	if res.Status != 200 {
		t.Errorf("GET /groups/acme: status %d, want 200", res.Status)
	}
	heading := run(t, ctx, "page heading", chromedp.Text(chromedp.CSS(`#content-body h1`)))
	if !strings.Contains(heading, s.acme.Name) {
		t.Errorf("page heading %q, want the group name %q", heading, s.acme.Name)
	}
	sidebar := run(t, ctx, "sidebar", chromedp.Text(chromedp.CSS(`[data-testid="sidebar"]`)))
	for _, want := range []string{s.acme.Name, "Group overview"} {
		if !strings.Contains(sidebar, want) {
			t.Errorf("sidebar %q does not show %q", sidebar, want)
		}
	}
	assertStyled(t, ctx)
}

// assertStyled fails when a stylesheet did not load (a broken /static path
// serves an HTML 404, which nosniff keeps from being applied).
func assertStyled(t *testing.T, ctx context.Context) {
	t.Helper()
	type styles struct {
		Sheets  int      `json:"sheets"`
		Loaded  []string `json:"loaded"`
		Failed  []string `json:"failed"`
		Radius  string   `json:"radius"`
		Display string   `json:"display"`
	}
	got := run(t, ctx, "read styles", chromedp.Evaluate[styles](`(() => {
		const links = [...document.querySelectorAll('link[rel="stylesheet"]')];
		const ok = (l) => { try { return !!l.sheet && l.sheet.cssRules.length > 0; } catch (e) { return false; } };
		// The top bar's buttons (the sidebar's toggle is hidden on wide windows).
		const b = document.querySelector('.top-bar-links .gl-button');
		const cs = b ? getComputedStyle(b) : null;
		return {
			sheets: document.styleSheets.length,
			loaded: links.filter(ok).map((l) => l.getAttribute('href')),
			failed: links.filter((l) => !ok(l)).map((l) => l.getAttribute('href')),
			radius: cs ? cs.borderTopLeftRadius : '',
			display: cs ? cs.display : '',
		};
	})()`))
	if got.Sheets < 2 || len(got.Loaded) < 2 || len(got.Failed) > 0 {
		t.Errorf("stylesheets: %d in the document, loaded %v, failed %v", got.Sheets, got.Loaded, got.Failed)
	}
	// Unstyled, a link or button has square corners and is not a flex box.
	if got.Radius == "" || got.Radius == "0px" || (!strings.Contains(got.Display, "flex") && got.Display != "inline-block") {
		t.Errorf(".gl-button looks unstyled: border-radius %q, display %q", got.Radius, got.Display)
	}
}

// TestSignInWithWrongPassword: the visitor is sent to sign in, a wrong
// password shows GitLab's message and keeps the login typed, and the right
// one then leads to the page first asked for. A real browser also fetches
// /favicon.ico from the sign-in page, which must not become that page.
func TestSignInWithWrongPassword(t *testing.T) {
	s := startSite(t)
	ctx := newBrowser(t)

	do(t, ctx, "open /admin signed out",
		chromedp.Navigate(s.url+"/admin"),
		chromedp.WaitVisible(chromedp.ID("user_login")),
	)
	if loc := run(t, ctx, "location", chromedp.Location()); loc != s.url+"/users/sign_in" {
		t.Fatalf("signed-out visitor is at %s, want the sign-in page", loc)
	}
	do(t, ctx, "submit a wrong password",
		chromedp.SendKeys(chromedp.ID("user_login"), "admin"),
		chromedp.SendKeys(chromedp.ID("user_password"), "not-the-password"),
		chromedp.Click(chromedp.CSS(`[data-testid="sign-in-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="sign-in-error"]`)),
	)
	if msg := run(t, ctx, "error", chromedp.Text(chromedp.CSS(`[data-testid="sign-in-error"]`))); strings.TrimSpace(msg) != "Invalid login or password." {
		t.Errorf("error message %q", msg)
	}
	if login := run(t, ctx, "login field", chromedp.Value(chromedp.ID("user_login"))); login != "admin" {
		t.Errorf("login field kept %q, want admin", login)
	}
	do(t, ctx, "sign in with the right password",
		chromedp.SendKeys(chromedp.ID("user_password"), adminPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="sign-in-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="current-user"]`)),
	)
	if loc := run(t, ctx, "location", chromedp.Location()); loc != s.url+"/admin" {
		t.Errorf("after sign-in the browser is at %s, want the page first asked for, %s/admin", loc, s.url)
	}
}
