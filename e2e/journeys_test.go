package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"duoadmin/models"
	"duoadmin/models/access"
)

// The journeys people come to duoadmin for, walked through a real browser.
// Each ends on the screen that proves it worked; `make screenshots` keeps
// those screens in docs/screenshots/ for the README.

const acmeSeats = "/groups/acme/-/usage_quotas/gitlab_duo"

// TestJourneyBulkAssignSeats: on GitLab.com a group owner filters the seat
// table to the 30 backend developers, selects everyone matching, confirms,
// and sees the seats used go from 0 to 30 of 50.
func TestJourneyBulkAssignSeats(t *testing.T) {
	s, _, p := seatGroup(t, 50)
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "olivia")

	open(t, ctx, s, acmeSeats, 200)
	wantTextOf(t, ctx, `[data-testid="seats-used"]`, "0 / 50")
	wantTextOf(t, ctx, `[data-testid="seat-total"]`, "40 users")
	do(t, ctx, "filter to the backend developers",
		chromedp.SendKeys(chromedp.CSS(`[data-testid="seat-filter"] input[name="search"]`), "backend"),
		chromedp.Click(chromedp.CSS(`[data-testid="seat-filter-submit"]`)),
		// The value attribute comes from the server: the filtered page.
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="seat-filter"] input[name="search"][value="backend"]`)),
	)
	wantTextOf(t, ctx, `label[for="seat_select_all"]`, "Select all 30 users matching this filter")
	do(t, ctx, "select all matching and assign",
		chromedp.Click(chromedp.CSS(`label[for="seat_select_all"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-assign"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="bulk-confirm-submit"]`)),
	)
	wantTextOf(t, ctx, `[data-testid="bulk-confirm-message"]`,
		"This action will assign a GitLab Duo seat to 30 users. Are you sure you want to continue?")
	wantTextOf(t, ctx, `[data-testid="bulk-confirm-submit"]`, "Assign seats")
	do(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-confirm-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	shot(t, ctx, "bulk-assign-seats")

	wantContains(t, ctx, `[data-testid="flash"]`, "30 users have been successfully assigned a seat.")
	wantTextOf(t, ctx, `[data-testid="seats-used"]`, "30 / 50")
	// Back on the filtered table (a page of 20), every switch is on.
	wantTextOf(t, ctx, `[data-testid="seat-total"]`, "30 users")
	rows := count(t, ctx, `[data-testid="seat-row"]`)
	if on := count(t, ctx, `[data-testid="seat-row"] [data-testid="seat-toggle"][aria-checked="true"]`); rows != 20 || on != rows {
		t.Errorf("%d of the %d rows shown have their switch on after the assignment, want all of 20", on, rows)
	}
	if n, err := s.store.AssignedCount(context.Background(), p.ID); err != nil || n != 30 {
		t.Errorf("the purchase has %d seats assigned (%v), want 30", n, err)
	}
}

// TestJourneyAssignMoreThanAvailable: with 20 seats, the owner ticks all
// 40 members on one page; the assignment is refused as a whole.
func TestJourneyAssignMoreThanAvailable(t *testing.T) {
	s, _, p := seatGroup(t, 20)
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "olivia")

	open(t, ctx, s, acmeSeats+"?per_page=50", 200)
	do(t, ctx, "tick every user on the page",
		chromedp.Click(chromedp.CSS(`input.seat-select-page`)),
	)
	if ticked := count(t, ctx, `input[name="user_ids"]:checked`); ticked != 40 {
		t.Fatalf("%d users ticked, want all 40 on the page", ticked)
	}
	// The bar counts the selection as it changes (progressive JS).
	wantTextOf(t, ctx, `[data-testid="bulk-selected-count"]`, "40 users selected")
	// Refused before any confirmation, with the numbers and the selection kept.
	do(t, ctx, "assign",
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-assign"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="not-enough-seats"]`)),
	)
	shot(t, ctx, "not-enough-seats")

	wantContains(t, ctx, `[data-testid="not-enough-seats"]`, "Not enough seats")
	wantTextOf(t, ctx, `[data-testid="not-enough-seats-body"]`,
		"There are not enough seats to assign the GitLab Duo add-on to all selected members: 40 users selected without a seat, 20 seats are available.")
	wantTextOf(t, ctx, `[data-testid="not-enough-purchase"]`, "Purchase seats")
	wantTextOf(t, ctx, `[data-testid="not-enough-contact-sales"]`, "Contact sales")
	if count(t, ctx, `[data-testid="bulk-confirm-submit"]`) != 0 {
		t.Error("a confirmation was offered for a selection larger than the free seats")
	}
	if ticked := count(t, ctx, `input[name="user_ids"]:checked`); ticked != 40 {
		t.Errorf("%d users still ticked after the refusal, want 40", ticked)
	}
	wantTextOf(t, ctx, `[data-testid="bulk-selected-count"]`, "40 users selected")
	wantTextOf(t, ctx, `[data-testid="seats-used"]`, "0 / 20")
	if n, err := s.store.AssignedCount(context.Background(), p.ID); err != nil || n != 0 {
		t.Errorf("the refused assignment left %d seats assigned (%v), want 0", n, err)
	}
}

// TestJourneyInstanceAlwaysOff: a self-managed administrator turns GitLab
// Duo to Always off, confirms the reset, and a project's settings then show
// the switch locked by the instance.
func TestJourneyInstanceAlwaysOff(t *testing.T) {
	s := startJourneySite(t, models.SelfManaged)
	s.person("ada", "Ada Admin", true, "admin")
	acme := s.group(nil, "acme", "Acme Corp", models.PlanUltimate)
	s.project(acme, "backend", "Backend")
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "ada")

	open(t, ctx, s, "/acme/backend/edit", 200)
	if disabled := count(t, ctx, `#duo_features_enabled:disabled`); disabled != 0 {
		t.Fatal("the project's GitLab Duo switch is locked before the instance is turned off")
	}
	open(t, ctx, s, "/admin/gitlab_duo/configuration", 200)
	do(t, ctx, "choose Always off and save",
		chromedp.Click(chromedp.CSS(`label[for="duo_availability_never_on"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="duo-configuration-form"] [data-testid="save-changes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="duo-reset-message"]`)),
	)
	wantTextOf(t, ctx, `[data-testid="duo-reset-message"]`, "GitLab Duo will be always off for the whole instance, in 1 group and 1 project. No group, subgroup, or project can turn it on.")
	wantTextOf(t, ctx, `[data-testid="confirm-submit"]`, "Lock 2 groups and projects")
	do(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`[data-testid="confirm-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	wantContains(t, ctx, `[data-testid="flash"]`, "Application settings saved successfully.")
	if checked := count(t, ctx, `#duo_availability_never_on:checked`); checked != 1 {
		t.Error("after saving, Always off is not the selected option")
	}

	open(t, ctx, s, "/acme/backend/edit", 200)
	do(t, ctx, "show the GitLab Duo setting", chromedp.ScrollIntoView(chromedp.CSS(`[data-testid="duo-features"]`)))
	shot(t, ctx, "instance-always-off-project-locked")

	if locked := count(t, ctx, `#duo_features_enabled:disabled:not(:checked)`); locked != 1 {
		t.Error("the project's GitLab Duo switch is not shown off and locked")
	}
	wantContains(t, ctx, `[data-testid="duo-lock"]`, "Setting cannot be changed")
	wantContains(t, ctx, `[data-testid="duo-lock"]`, "An administrator selected this setting for the instance and you cannot change it.")
	wantTextOf(t, ctx, `[data-testid="duo-effective"]`, "Effective: Off — Enforced by an instance administrator")
}

// TestJourneyWhyNoCodeSuggestions: a support engineer (auditor, not admin)
// asks why dev cannot use Code Suggestions on acme/api and sees the path
// through the decision diagram that ends at the project's setting.
func TestJourneyWhyNoCodeSuggestions(t *testing.T) {
	s := startJourneySite(t, models.SelfManaged)
	bg := context.Background()
	s.person("sue", "Sue Support", true, "auditor")
	dev := s.person("dev", "Dana Developer", false)
	if err := s.store.SetInstancePlan(bg, models.Automation, models.PlanPremium); err != nil {
		t.Fatal(err)
	}
	start := models.Today().AddDays(-30)
	p, err := s.store.CreatePurchase(bg, models.Automation, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: 10, StartedAt: &start, ExpiresOn: models.Today().AddDays(335), PurchaseXID: "A-S00012345"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.AssignSeat(bg, models.Automation, p.ID, dev.ID); err != nil {
		t.Fatal(err)
	}
	acme := s.group(nil, "acme", "Acme Corp", "")
	s.member(acme, dev, models.Developer)
	api := s.project(acme, "api", "API")
	if err := s.store.SetProjectDuoEnabled(bg, models.Automation, api, false); err != nil {
		t.Fatal(err)
	}
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "sue")

	open(t, ctx, s, "/admin/gitlab_duo/access_check", 200)
	do(t, ctx, "ask about dev, Code Suggestions, the project acme/api",
		chromedp.SendKeys(chromedp.ID("access_user"), "dev"),
		chromedp.SetValue(chromedp.ID("access_feature"), "code_suggestions"),
		chromedp.Click(chromedp.CSS(`label[for="access_context_ide"]`)),
		chromedp.SetValue(chromedp.ID("access_resource_kind"), "project"),
		chromedp.SendKeys(chromedp.ID("access_resource_path"), "acme/api"),
		chromedp.Click(chromedp.CSS(`[data-testid="check-access"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="verdict"]`)),
	)
	// The verdict and the whole diagram do not fit one screen.
	saveScreenshot(t, ctx, "access-check-path", chromedp.FullScreenshot(100))

	wantTextOf(t, ctx, `[data-testid="verdict-title"]`, "Not allowed")
	wantTextOf(t, ctx, `[data-testid="verdict-reason"]`, access.ReasonResourceDisabled)
	wantTextOf(t, ctx, `[data-testid="verdict-message"]`, access.ResourceDisabledMessage)
	// The highlighted nodes are exactly the steps the page lists: the
	// instance, the seat, then the project whose GitLab Duo is off.
	steps := attrs(t, ctx, `[data-testid="flow-steps"] li`, "data-step")
	onPath := attrs(t, ctx, `svg [data-node][data-on-path="true"]`, "data-node")
	if strings.Join(onPath, " ") != strings.Join(steps, " ") {
		t.Errorf("the diagram highlights %v, but the page lists the steps %v", onPath, steps)
	}
	for _, want := range []string{"A", "B", "D", "R1", "R2", "R3"} {
		if !strings.Contains(" "+strings.Join(onPath, " ")+" ", " "+want+" ") {
			t.Errorf("node %s is not on the highlighted path %v", want, onPath)
		}
	}
	if off := count(t, ctx, `svg [data-node][data-on-path="false"]`); off == 0 {
		t.Error("every node is highlighted: the diagram shows no path")
	}
}

// TestJourneySubgroupOverridesDefaultOff: the owner of acme/platform (and
// of nothing above it) turns GitLab Duo on by default there although acme
// has it off by default.
func TestJourneySubgroupOverridesDefaultOff(t *testing.T) {
	s := startJourneySite(t, models.SelfManaged)
	bg := context.Background()
	acme := s.group(nil, "acme", "Acme Corp", models.PlanUltimate)
	if _, err := s.store.UpdateGroupDuo(bg, models.Automation, acme, models.ChangeFor(models.DefaultOff), nil); err != nil {
		t.Fatal(err)
	}
	acme, err := s.store.GroupByFullPath(bg, "acme")
	if err != nil {
		t.Fatal(err)
	}
	platform := s.group(acme, "platform", "Platform", "")
	s.project(platform, "web", "Web")
	s.member(platform, s.person("sam", "Sam Subgroup-Owner", true), models.Owner)
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "sam")

	// Sam owns the subgroup only: acme's settings are not his to see.
	open(t, ctx, s, "/groups/acme/-/edit", 404)
	open(t, ctx, s, "/groups/acme/platform/-/edit", 200)
	wantTextOf(t, ctx, `[data-testid="duo-effective"]`, "Effective: Off — Inherited from acme")
	// Web was created under acme's Off by default, so it started off:
	// turning platform on resets it, after a confirmation.
	do(t, ctx, "choose On by default and save",
		chromedp.Click(chromedp.CSS(`label[for="duo_availability_default_on"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="group-settings-form"] [data-testid="save-changes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="duo-reset-message"]`)),
	)
	wantTextOf(t, ctx, `[data-testid="duo-reset-message"]`, "This resets 1 project to On by default.")
	do(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`[data-testid="confirm-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	do(t, ctx, "show the GitLab Duo setting", chromedp.ScrollIntoView(chromedp.CSS(`[data-testid="duo-availability"]`)))
	shot(t, ctx, "subgroup-overrides-default-off")

	wantContains(t, ctx, `[data-testid="flash"]`, "Group 'Platform' was successfully updated.")
	if checked := count(t, ctx, `#duo_availability_default_on:checked`); checked != 1 {
		t.Error("On by default is not the selected option after saving")
	}
	wantTextOf(t, ctx, `[data-testid="duo-effective"]`, "Effective: On — Set here")
	saved, err := s.store.GroupByFullPath(bg, platform.FullPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.store.GroupDuo(bg, saved)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Resolution.Enabled || !st.Resolution.FromSelf {
		t.Errorf("platform's stored setting resolves to %+v, want on, set on platform itself", st.Resolution)
	}
	if web, err := s.store.ProjectByFullPath(bg, "acme/platform/web"); err != nil || !web.DuoFeaturesEnabled {
		t.Errorf("acme/platform/web after the reset: %+v %v", web, err)
	}
}
