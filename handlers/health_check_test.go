package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
)

const (
	adminHealthCheck = "/admin/gitlab_duo/health_check"
	acmeHealthCheck  = "/groups/acme/-/settings/gitlab_duo/health_check"
)

// checksOn maps each check's name to passed/failed as the page shows it.
func checksOn(r *response) map[string]bool {
	out := map[string]bool{}
	r.Doc().Find(`[data-testid="health-check"]`).Each(func(_ int, s *goquery.Selection) {
		out[s.AttrOr("data-check", "")] = s.AttrOr("data-passed", "") == "true"
	})
	return out
}

func checkCard(r *response, name string) *goquery.Selection {
	return r.Doc().Find(`[data-testid="health-check"][data-check="` + name + `"]`)
}

// makeSMHealthy fixes what smExplainApp leaves wrong: no subscription, a
// purchase never refreshed, and dev's welcome mail waiting without SMTP.
func makeSMHealthy(t *testing.T, a *app) {
	t.Helper()
	ctx := context.Background()
	sub, err := a.store.CreateSubscription(ctx, models.Automation, models.SelfManaged, models.SubscriptionInput{Name: "A-S1",
		Plan: models.PlanPremium, Seats: 10, StartsOn: models.Today().AddDays(-3), EndsOn: models.Today().AddDays(200)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.MarkSynced(ctx, models.Automation, sub); err != nil {
		t.Fatal(err)
	}
	p, err := a.store.SeatPurchase(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.RefreshSeats(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	due, err := a.store.DueEmails(ctx, time.Now().Add(time.Hour), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range due {
		if err := a.store.MarkEmailSent(ctx, e.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.store.SetInstanceDuoCore(ctx, models.Automation, true); err != nil {
		t.Fatal(err)
	}
}

func TestAdminHealthCheckSelfManaged(t *testing.T) {
	t.Parallel()
	a := smExplainApp(t)
	c := a.as("admin")
	res := c.get(adminHealthCheck)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="health-header"]`, "Problems detected with setup")
	wantText(t, res, `[data-testid="health-summary"]`, "Not operational. Resolve issues to use GitLab Duo.")
	wantText(t, res, `.sidebar-item.active`, "Health check")
	got := checksOn(res)
	want := map[string]bool{"Active GitLab Duo purchase": true, "Purchase expiry": true, "Plan allows the add-on": true,
		"Seats assigned within the purchase": true, "GitLab Duo availability": true, "GitLab Duo Core": false,
		"Seat refresh": false, "Email delivery": false, "Subscription synchronization": false}
	for name, passed := range want {
		if p, ok := got[name]; !ok || p != passed {
			t.Errorf("%s: shown %v (present %v), want passed=%v", name, p, ok, passed)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("checks %v", got)
	}
	email := checkCard(res, "Email delivery")
	if msg := email.Find(`[data-testid="check-message"]`).Text(); msg != "SMTP is not configured and 1 email is waiting to be sent." {
		t.Fatalf("email message %q", msg)
	}
	if href := email.Find(`[data-testid="check-fix-link"]`).AttrOr("href", ""); href != "/admin/email_outbox" {
		t.Fatalf("email fix links %q", href)
	}
	if href := checkCard(res, "Subscription synchronization").Find(`[data-testid="check-fix-link"]`).AttrOr("href", ""); href != "/admin/subscription" {
		t.Fatalf("sync fix links %q", href)
	}
	if got := strings.TrimSpace(checkCard(res, "GitLab Duo Core").Find(`[data-testid="check-status"]`).Text()); got != "Failed (informational)" {
		t.Fatalf("Duo Core status %q", got)
	}
	if href := res.Doc().Find(`[data-testid="run-health-check"]`).AttrOr("href", ""); href != adminHealthCheck {
		t.Fatalf("Run health check links %q", href)
	}
	if href := res.Doc().Find(`[data-testid="download-report"]`).AttrOr("href", ""); href != adminHealthCheck+"?format=json" {
		t.Fatalf("Download Report links %q", href)
	}

	js := c.get(adminHealthCheck + "?format=json")
	wantStatus(t, js, http.StatusOK)
	if cd := js.Header.Get("Content-Disposition"); cd != `attachment; filename="health_check_report.json"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	var report models.HealthReport
	if err := json.Unmarshal([]byte(js.Body), &report); err != nil {
		t.Fatal(err)
	}
	if report.Operational || len(report.Checks) != 9 || report.Scope != "instance" {
		t.Fatalf("report %+v", report)
	}

	makeSMHealthy(t, a)
	res = c.get(adminHealthCheck)
	wantText(t, res, `[data-testid="health-header"]`, "No health problems detected")
	wantText(t, res, `[data-testid="health-summary"]`, "GitLab Duo should be operational.")
	for name, passed := range checksOn(res) {
		if !passed {
			t.Errorf("%s still fails: %s", name, checkCard(res, name).Find(`[data-testid="check-message"]`).Text())
		}
	}
	if res.Doc().Find(`[data-testid="check-fix"]`).Length() != 0 {
		t.Fatal("a passing check shows a fix")
	}

	// Failing again, each with its fix.
	ctx := context.Background()
	if _, err := a.store.SetInstanceDuoAvailability(ctx, models.Automation, models.NeverOn); err != nil {
		t.Fatal(err)
	}
	res = c.get(adminHealthCheck)
	avail := checkCard(res, "GitLab Duo availability")
	if avail.AttrOr("data-passed", "") != "false" || avail.Find(`[data-testid="check-fix-link"]`).AttrOr("href", "") != "/admin/gitlab_duo/configuration" {
		t.Fatalf("Always off: %q", avail.Text())
	}
	wantText(t, res, `[data-testid="health-header"]`, "Problems detected with setup")
}

func TestHealthCheckAccess(t *testing.T) {
	t.Parallel()
	a := smExplainApp(t)
	wantStatus(t, a.as("support").get(adminHealthCheck), http.StatusOK)
	wantStatus(t, a.as("dev").get(adminHealthCheck), http.StatusNotFound)
	wantStatus(t, a.as("owner").get(adminHealthCheck), http.StatusNotFound)
	// Self-managed groups have no purchase of their own.
	wantStatus(t, a.as("owner").get(acmeHealthCheck), http.StatusNotFound)
}

func TestGroupHealthCheckGitLabCom(t *testing.T) {
	t.Parallel()
	a := comExplainApp(t)
	ctx := context.Background()
	acme, _ := a.store.GroupByFullPath(ctx, "acme")
	start := models.Today().AddDays(-3)
	p, err := a.store.CreatePurchase(ctx, models.Automation, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise,
		NamespaceID: &acme.ID, Quantity: 2, StartedAt: &start, ExpiresOn: models.Today().AddDays(100), PurchaseXID: "A-S2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.RefreshSeats(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	c := a.as("owner")
	res := c.get(acmeHealthCheck)
	wantStatus(t, res, http.StatusOK)
	got := checksOn(res)
	if _, ok := got["Subscription synchronization"]; ok || len(got) != 8 {
		t.Fatalf("group checks %v", got)
	}
	wantText(t, res, `[data-testid="health-header"]`, "No health problems detected")
	wantText(t, res, `.sidebar-item.active`, "Health check")

	if _, err := a.store.SetGroupDuoAvailability(ctx, models.Automation, acme, models.NeverOn); err != nil {
		t.Fatal(err)
	}
	res = c.get(acmeHealthCheck)
	avail := checkCard(res, "GitLab Duo availability")
	if avail.AttrOr("data-passed", "") != "false" || !strings.Contains(avail.Text(), "Always off in acme") ||
		avail.Find(`[data-testid="check-fix-link"]`).AttrOr("href", "") != "/groups/acme/-/settings/gitlab_duo/configuration" {
		t.Fatalf("group Always off: %q", avail.Text())
	}
	wantText(t, res, `[data-testid="health-header"]`, "Problems detected with setup")

	a.mkGroup(acme, "sub", "Sub", "")
	wantStatus(t, c.get("/groups/acme/sub/-/settings/gitlab_duo/health_check"), http.StatusNotFound)
	wantStatus(t, a.as("dev").get(acmeHealthCheck), http.StatusNotFound)

	// GitLab.com's admin sees only the instance-wide checks.
	res = a.as("admin").get(adminHealthCheck)
	wantStatus(t, res, http.StatusOK)
	if got := checksOn(res); len(got) != 2 || !got["Email delivery"] || !got["Seat refresh"] {
		t.Fatalf("GitLab.com instance checks %v", got)
	}
}
