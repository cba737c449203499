package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"duoadmin/models"
)

// TestJourneyAlwaysOnMap (#21): an administrator sets the instance to
// Always on, opens the availability map, filters to the locked nodes, and
// a subgroup's owner then sees its GitLab Duo setting locked on.
func TestJourneyAlwaysOnMap(t *testing.T) {
	s := startJourneySite(t, models.SelfManaged)
	s.person("ada", "Ada Admin", true, "admin")
	sam := s.person("sam", "Sam Subowner", true)
	acme := s.group(nil, "acme", "Acme Corp", models.PlanUltimate)
	platform := s.group(acme, "platform", "Platform", "")
	s.project(platform, "api", "API")
	s.member(platform, sam, models.Owner)
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "ada")

	open(t, ctx, s, "/admin/gitlab_duo/configuration", 200)
	do(t, ctx, "choose Always on and save",
		chromedp.Click(chromedp.CSS(`label[for="duo_availability_always_on"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="duo-configuration-form"] [data-testid="save-changes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	wantContains(t, ctx, `[data-testid="flash"]`, "Application settings saved successfully.")

	open(t, ctx, s, "/admin/gitlab_duo/availability_map", 200)
	wantTextOf(t, ctx, `[data-testid="map-counts"]`, "3 groups and projects on, 0 off, 1 lock")
	do(t, ctx, "open acme", chromedp.Click(chromedp.CSS(`[data-testid="map-tree"] summary`)))
	shot(t, ctx, "availability-map-always-on")
	do(t, ctx, "filter to locked nodes",
		chromedp.Click(chromedp.CSS(`label[for="map_locked"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="map-filter"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="map-flat"]`)),
	)
	// The instance holds the lock; no group or project sets one.
	if n := count(t, ctx, `[data-testid="map-flat"] [data-testid="map-node"]`); n != 0 {
		t.Errorf("%d locked nodes listed, want none below an Always on instance", n)
	}
	wantContains(t, ctx, `[data-testid="map-instance-lock"]`, "The instance is Always on")
	if n := count(t, ctx, `#map_locked:checked`); n != 1 {
		t.Error("the locked filter is not kept checked")
	}

	owner := journeyBrowser(t)
	signInAs(t, owner, s, "sam")
	open(t, owner, s, "/groups/acme/platform/-/edit", 200)
	if n := count(t, owner, `#duo_availability_always_on:checked:disabled`); n != 1 {
		t.Error("the subgroup owner does not see Always on, locked")
	}
	wantContains(t, owner, `[data-testid="duo-lock"]`, "An administrator selected this setting for the instance and you cannot change it.")
	open(t, owner, s, "/acme/platform/api/edit", 200)
	if n := count(t, owner, `#duo_features_enabled:checked:disabled`); n != 1 {
		t.Error("the project's switch is not shown locked on")
	}
}
