package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"duoadmin/models"
)

// TestJourneyAddOnSwitcher: a group with GitLab Duo Pro and a GitLab Duo
// Enterprise trial. The owner opens the GitLab Duo page (Enterprise shown
// first), switches to GitLab Duo Pro, follows its "Assign seats" to the Pro
// table and gives one developer a Pro seat; the Enterprise seats are
// untouched and the success alert is dismissed.
func TestJourneyAddOnSwitcher(t *testing.T) {
	s, acme, pro := seatGroup(t, 50)
	ctx := context.Background()
	start, end := models.Today().AddDays(-2), models.Today().AddDays(58)
	ent, err := s.store.CreatePurchase(ctx, models.Automation, models.GitLabCom, models.PurchaseInput{
		AddOn: models.AddOnDuoEnterprise, NamespaceID: &acme.ID, Quantity: 10, StartedAt: &start, ExpiresOn: end, Trial: true, PurchaseXID: "trial"})
	if err != nil {
		t.Fatal(err)
	}
	olivia, err := s.store.UserByUsername(ctx, "olivia")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.AssignSeat(ctx, models.Automation, ent.ID, olivia.ID); err != nil {
		t.Fatal(err)
	}
	b := journeyBrowser(t)
	signInAs(t, b, s, "olivia")

	open(t, b, s, "/groups/acme/-/settings/gitlab_duo", 200)
	wantTextOf(t, b, `[data-testid="add-on-switcher"] [aria-current="page"]`, "GitLab Duo Enterprise Trial 1 / 10 seats used")
	if got := attrs(t, b, `[data-testid="add-on-switcher"] a`, "data-testid"); len(got) != 2 || got[0] != "add-on-tab-duo_enterprise" {
		t.Fatalf("switcher tabs %v, want Enterprise then Pro", got)
	}
	do(t, b, "switch to GitLab Duo Pro",
		chromedp.Click(chromedp.CSS(`[data-testid="add-on-tab-duo_pro"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="add-on-tab-duo_pro"][aria-current="page"]`)),
	)
	wantTextOf(t, b, `[data-testid="seats-used"]`, "0 / 50")
	do(t, b, "open the Pro seat table",
		chromedp.Click(chromedp.CSS(`[data-testid="assign-seats"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="seat-table"]`)),
	)
	if loc := location(b); loc != s.url+"/groups/acme/-/usage_quotas/gitlab_duo?add_on=duo_pro" {
		t.Fatalf("Assign seats opened %s", loc)
	}
	wantTextOf(t, b, `h1.page-title`, "Usage Quotas Pro")
	do(t, b, "give Backend Developer 01 a Pro seat",
		chromedp.Click(chromedp.CSS(`[data-username="backend-01"] [data-testid="seat-toggle"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	wantContains(t, b, `[data-testid="flash"]`, "1 user has been successfully assigned a seat.")
	if loc := location(b); loc != s.url+"/groups/acme/-/usage_quotas/gitlab_duo?add_on=duo_pro" {
		t.Errorf("after the switch the page is %s, want the Pro table", loc)
	}
	wantTextOf(t, b, `[data-testid="add-on-tab-duo_pro"] [data-testid="add-on-seats-used"]`, "1 / 50 seats used")
	wantTextOf(t, b, `[data-testid="add-on-tab-duo_enterprise"] [data-testid="add-on-seats-used"]`, "1 / 10 seats used")
	shot(t, b, "add-on-switcher")

	do(t, b, "dismiss the success alert",
		chromedp.Click(chromedp.CSS(`[data-testid="flash"] .flash-dismiss-button`)),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	if n, err := s.store.AssignedCount(ctx, pro.ID); err != nil || n != 1 {
		t.Errorf("Pro has %d seats assigned (%v), want 1", n, err)
	}
	if n, err := s.store.AssignedCount(ctx, ent.ID); err != nil || n != 1 {
		t.Errorf("Enterprise has %d seats assigned (%v), want 1 (olivia's)", n, err)
	}
}
