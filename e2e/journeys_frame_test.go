package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourneyNarrowWindow: on a phone-sized window (390 px) no page scrolls
// sideways; the sidebar is closed until its button in the top bar opens it
// (a checkbox, no JavaScript), and it is a navigation landmark marking the
// current page.
func TestJourneyNarrowWindow(t *testing.T) {
	s, _, _ := seatGroup(t, 50)
	ctx := newBrowser(t)
	do(t, ctx, "a phone-sized viewport", chromedp.EmulateViewport(390, 844))
	open(t, ctx, s, "/users/sign_in", 200)
	wantNoSidewaysScroll(t, ctx, "/users/sign_in")
	signInAs(t, ctx, s, "olivia")
	for _, p := range []string{"/", acmeSeats, "/groups/acme/-/settings/gitlab_duo", "/groups/acme/-/settings/gitlab_duo/configuration",
		"/groups/acme/-/audit_events", acmeSeats + "/usage", "/groups/acme/-/settings/gitlab_duo/availability_map", "/-/profile/gitlab_duo"} {
		open(t, ctx, s, p, 200)
		wantNoSidewaysScroll(t, ctx, p)
	}

	open(t, ctx, s, acmeSeats, 200)
	if visible := run(t, ctx, "is the sidebar shown", chromedp.Evaluate[bool](
		`getComputedStyle(document.querySelector('nav.super-sidebar')).display !== 'none'`)); visible {
		t.Fatal("the sidebar covers the page before it is opened")
	}
	do(t, ctx, "open the sidebar",
		chromedp.Click(chromedp.CSS(`[data-testid="sidebar-toggle"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.super-sidebar a[aria-current="page"]`)),
	)
	wantTextOf(t, ctx, `nav.super-sidebar a[aria-current="page"]`, "Usage Quotas")
	shot(t, ctx, "frame-390px")
	wantNoSidewaysScroll(t, ctx, acmeSeats+" (sidebar open)")
}

// wantNoSidewaysScroll fails when the document is wider than the window.
func wantNoSidewaysScroll(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	w := run(t, ctx, "measure "+page, chromedp.Evaluate[[]int](
		`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	if w[0] > w[1] {
		t.Errorf("%s is %d px wide in a %d px window: it scrolls sideways", page, w[0], w[1])
	}
}
