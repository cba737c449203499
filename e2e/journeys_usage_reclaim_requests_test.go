package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duoadmin/models"
)

// TestJourneyUsageReclaimAndSeatRequest: a group owner opens the Usage tab
// and sees the charts drawn, sets a 60-day reclaim policy and sees its
// preview before saving; then a developer without a seat asks for one and
// the owner assigns it from the queue.
func TestJourneyUsageReclaimAndSeatRequest(t *testing.T) {
	s, acme, p := seatGroup(t, 20)
	ctx0 := context.Background()
	olivia, err := s.store.UserByUsername(ctx0, "olivia")
	if err != nil {
		t.Fatal(err)
	}
	var holders []string
	for i := 1; i <= 10; i++ {
		holders = append(holders, fmt.Sprintf("backend-%02d", i))
	}
	assignSeats(t, s, p, olivia, holders...)
	rita := s.person("rita", "Rita Requester", true)
	s.member(acme, rita, models.Developer)
	// History as a month of daily snapshots would have left it; seats
	// assigned 100 days ago, four of them used today.
	db, _ := s.store.SQLDB()
	today := models.Today()
	for d := 29; d >= 0; d-- {
		day := today.AddDays(-d)
		if _, err := db.Exec(`INSERT INTO seat_usage_snapshots (add_on_purchase_id, day, purchased, assigned, active,
			code_suggestions_uses, chat_uses, other_uses, taken_at) VALUES ($1, $2, 20, $3, $4, $5, $6, $7, $8)`,
			p.ID, day.String(), 6+min(4, (29-d)/5), 2+(d%4), 20+(d%7)*3, 5+(d%5), d%3, day.Time.Add(23*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec("UPDATE seat_assignments SET created_at = $1", today.AddDays(-100).Time); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE users SET last_duo_activity_on = $1 WHERE username IN ('backend-01', 'backend-02', 'backend-03', 'backend-04')", today.String()); err != nil {
		t.Fatal(err)
	}

	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "olivia")
	open(t, ctx, s, acmeSeats, 200)
	do(t, ctx, "open the Usage tab",
		chromedp.Click(chromedp.CSS(`[data-testid="tab-usage"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="chart-seats"]`)),
	)
	for _, id := range []string{"seats", "active", "features", "idle"} {
		if n := count(t, ctx, `svg[data-testid="chart-`+id+`"][role="img"]`); n != 1 {
			t.Errorf("chart %s drawn %d times, want once", id, n)
		}
	}
	wantContains(t, ctx, `[data-testid="usage-idle"] h2`, "Idle seats by age")
	shot(t, ctx, "usage-insights")

	do(t, ctx, "open the reclaim tab, set 60 days, preview",
		chromedp.Click(chromedp.CSS(`[data-testid="tab-reclaim"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="reclaim-form"]`)),
		chromedp.Click(chromedp.CSS(`label[for="enabled"]`)),
		chromedp.Click(chromedp.CSS(`label[for="idle_60"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="reclaim-preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="reclaim-preview-count"]`)),
	)
	wantTextOf(t, ctx, `[data-testid="reclaim-preview-count"]`, "This policy would reclaim 6 seats over the next 30 days.")
	if n := count(t, ctx, `[data-testid="reclaim-preview-row"]`); n != 6 {
		t.Errorf("the preview lists %d seats, want 6", n)
	}
	shot(t, ctx, "reclaim-preview")
	do(t, ctx, "save the policy",
		chromedp.Click(chromedp.CSS(`[data-testid="reclaim-save"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	wantContains(t, ctx, `[data-testid="flash"]`, "The reclaim policy was saved.")
	if pol, err := s.store.ReclaimPolicyOf(ctx0, p.ID); err != nil || !pol.Enabled || pol.IdleDays != 60 || pol.NoticeDays != 7 {
		t.Errorf("saved policy %+v (%v), want on, 60 days, 7 days' notice", pol, err)
	}

	rctx := journeyBrowser(t)
	signInAs(t, rctx, s, "rita")
	open(t, rctx, s, "/-/profile/gitlab_duo", 200)
	do(t, rctx, "request a seat",
		chromedp.SendKeys(chromedp.CSS(`[data-testid="seat-request-form"] textarea[name="note"]`), "For the API migration"),
		chromedp.Click(chromedp.CSS(`[data-testid="request-seat"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	wantContains(t, rctx, `[data-testid="seat-request-pending"]`, "You requested a GitLab Duo Pro seat of acme")

	open(t, ctx, s, acmeSeats+"/seat_requests", 200)
	wantContains(t, ctx, `[data-testid="seat-request"][data-username="rita"]`, "For the API migration")
	shot(t, ctx, "seat-requests-queue")
	do(t, ctx, "assign rita's request",
		chromedp.Click(chromedp.CSS(`[data-testid="seat-request"][data-username="rita"] [data-testid="assign-request"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	wantContains(t, ctx, `[data-testid="flash"]`, "1 seat was assigned.")
	if got := seatHolders(t, s, p); len(got) != 11 || got[len(got)-1] != "rita" {
		t.Errorf("seat holders %v, want the ten and rita", got)
	}
}
