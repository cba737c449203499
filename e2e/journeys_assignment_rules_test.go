package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duoadmin/models"
)

// TestJourneyAssignmentRuleAndHeldSync: on GitLab.com the owner adds the
// rule "acme/platform, Developer and up", sees who gains a seat, confirms,
// and the seat table shows the seats as given by the rule. Then 30 members
// leave platform at once (a directory sync, an import): the automated sync
// would remove 30 seats, more than the guard allows, and is held.
func TestJourneyAssignmentRuleAndHeldSync(t *testing.T) {
	s := startJourneySite(t, models.GitLabCom)
	ctx0 := context.Background()
	acme := s.group(nil, "acme", "Acme Corp", models.PlanUltimate)
	platform := s.group(acme, "platform", "Platform", "")
	s.member(acme, s.person("olivia", "Olivia Owner", true), models.Owner)
	var devs []*models.User
	for i := 1; i <= 40; i++ {
		u := s.person(fmt.Sprintf("platform-%02d", i), fmt.Sprintf("Platform Developer %02d", i), false)
		s.member(platform, u, models.Developer)
		devs = append(devs, u)
	}
	for i := 1; i <= 5; i++ {
		s.member(platform, s.person(fmt.Sprintf("reporter-%d", i), fmt.Sprintf("Reporter %d", i), false), models.Reporter)
	}
	p, err := s.store.CreatePurchase(ctx0, models.Automation, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		NamespaceID: &acme.ID, Quantity: 50, ExpiresOn: models.Today().AddDays(300), PurchaseXID: "A-S00012345"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "olivia")
	rules := "/groups/acme/-/settings/gitlab_duo/assignment_rules"
	open(t, ctx, s, rules, 200)
	do(t, ctx, "open the rule form",
		chromedp.Click(chromedp.CSS(`[data-testid="add-rule"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="rule-form"]`)),
	)
	do(t, ctx, "a rule on acme/platform, Developer and up, assign and remove: count",
		chromedp.SetValue(chromedp.CSS(`[data-testid="rule-source"]`), "acme/platform"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="rule-role"]`), "developer"),
		chromedp.Click(chromedp.ID("mode_assign_remove")),
		chromedp.Click(chromedp.CSS(`[data-testid="count-rule"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="rule-count"]`)),
	)
	wantTextOf(t, ctx, `[data-testid="rule-count"]`, "40 users match this rule.")
	do(t, ctx, "preview",
		chromedp.Click(chromedp.CSS(`[data-testid="preview-rule"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="diff-summary"]`)),
	)
	wantTextOf(t, ctx, `[data-testid="diff-summary"]`, "40 users gain a seat, 0 users lose one.")
	if n, _ := s.store.AssignedCount(ctx0, p.ID); n != 0 {
		t.Fatalf("the preview assigned %d seats", n)
	}
	shot(t, ctx, "assignment-rule-preview")
	do(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`[data-testid="confirm-diff"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	wantContains(t, ctx, `[data-testid="flash"]`, "The rule was added. 40 users gain a seat")
	wantContains(t, ctx, `[data-testid="rule-row"]`, "acme/platform")

	open(t, ctx, s, "/groups/acme/-/usage_quotas/gitlab_duo?assigned=true", 200)
	wantTextOf(t, ctx, `[data-testid="seats-used"]`, "40 / 50")
	if n := count(t, ctx, `[data-testid="seat-row"] [data-testid="seat-reason"]`); n != 20 {
		t.Errorf("%d rows of the first page of seats show the rule as the seat's reason, want 20", n)
	}

	// 30 leave at once: their memberships go and the change is queued, as
	// the change's transaction does; the rule_queue job applies the batch.
	db, _ := s.store.SQLDB()
	for _, u := range devs[:30] {
		if _, err := db.Exec(`DELETE FROM members WHERE user_id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO rule_sync_queue (user_id, created_at) VALUES ($1, $2)`, u.ID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	job, _ := models.JobByName("rule_queue")
	if _, _, err := s.store.RunJobNow(ctx0, job, time.Now()); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, s, rules, 200)
	wantTextOf(t, ctx, `[data-testid="held-title"]`, "Held: this sync would remove 30 seats")
	if n := count(t, ctx, `[data-testid="held-losses"] tbody tr`); n != 30 {
		t.Errorf("the held run lists %d users, want 30", n)
	}
	shot(t, ctx, "assignment-rules-held-sync")
	if n, _ := s.store.AssignedCount(ctx0, p.ID); n != 40 {
		t.Errorf("%d seats after the held sync, want 40 (nothing removed)", n)
	}
}
