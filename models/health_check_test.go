package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

var healthNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func healthyPurchase() models.HealthPurchase {
	start, refreshed := models.NewDate(2026, 1, 1), healthNow.Add(-time.Hour)
	return models.HealthPurchase{AddOnPurchase: models.AddOnPurchase{ID: 1, AddOn: models.AddOnDuoPro, Quantity: 10,
		StartedAt: &start, ExpiresOn: models.NewDate(2027, 1, 1), LastAssignedUsersRefreshedAt: &refreshed}, Assigned: 4}
}

// healthySM passes every check of a self-managed instance.
func healthySM() models.HealthFacts {
	synced := healthNow.Add(-time.Hour)
	return models.HealthFacts{Deployment: models.SelfManaged, Now: healthNow, Plan: models.PlanPremium, DuoCore: true,
		Purchases: []models.HealthPurchase{healthyPurchase()}, SMTPConfigured: true,
		Subscription: &models.Subscription{Name: "A-S1", LastSyncedAt: &synced},
		Links: models.HealthLinks{Billing: "/admin/subscription", Seats: "/admin/gitlab_duo", Configuration: "/admin/gitlab_duo/configuration",
			Outbox: "/admin/email_outbox", Subscription: "/admin/subscription"}}
}

func findCheck(t *testing.T, r models.HealthReport, name string) models.HealthCheck {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", name, r.Checks)
	return models.HealthCheck{}
}

func TestHealthyInstancePassesEveryCheck(t *testing.T) {
	t.Parallel()
	r := models.RunHealthChecks(healthySM())
	if !r.Operational || len(r.Checks) != 9 {
		t.Fatalf("operational=%v, %d checks", r.Operational, len(r.Checks))
	}
	for _, c := range r.Checks {
		if !c.Passed || c.Message == "" || c.Category == "" || c.Fix != "" || c.FixURL != "" {
			t.Errorf("%s: %+v", c.Name, c)
		}
	}
	if got := findCheck(t, r, "Subscription synchronization").Message; got != "Subscription synchronized successfully." {
		t.Fatalf("sync message %q", got)
	}
}

func TestEachHealthCheckFails(t *testing.T) {
	t.Parallel()
	cases := []struct {
		check   string
		change  func(f *models.HealthFacts)
		message string
		fixURL  string
		info    bool
	}{
		{"Active GitLab Duo purchase", func(f *models.HealthFacts) { f.Purchases = nil },
			"this instance has no GitLab Duo Pro or Enterprise purchase", "/admin/subscription", false},
		{"Active GitLab Duo purchase", func(f *models.HealthFacts) { f.Purchases[0].ExpiresOn = models.NewDate(2025, 12, 1) },
			"the last one ended on Dec 01, 2025", "/admin/subscription", false},
		{"Active GitLab Duo purchase", func(f *models.HealthFacts) { d := models.NewDate(2026, 4, 1); f.Purchases[0].StartedAt = &d },
			"starts on Apr 01, 2026", "/admin/subscription", false},
		{"Purchase expiry", func(f *models.HealthFacts) { f.Purchases[0].ExpiresOn = models.NewDate(2026, 3, 1) },
			"expired on Mar 01, 2026. Its 4 seat assignments grant nothing and are kept only until Mar 29, 2026", "/admin/subscription", false},
		{"Plan allows the add-on", func(f *models.HealthFacts) {
			f.Purchases[0].AddOn, f.Purchases[0].PlanError = models.AddOnDuoEnterprise, "GitLab Duo Enterprise needs an Ultimate plan"
		}, "GitLab Duo Enterprise: GitLab Duo Enterprise needs an Ultimate plan, but this instance is on the Premium plan.", "/admin/subscription", false},
		{"Seats assigned within the purchase", func(f *models.HealthFacts) { f.Purchases[0].Assigned = 12 },
			"GitLab Duo Pro has 12 seats assigned but only 10 purchased.", "/admin/gitlab_duo", false},
		{"GitLab Duo availability", func(f *models.HealthFacts) { f.NeverOn = true },
			"Always off for this instance: no one can use GitLab Duo", "/admin/gitlab_duo/configuration", false},
		{"GitLab Duo Core", func(f *models.HealthFacts) { f.DuoCore = false },
			"GitLab Duo Core is off: users without a seat cannot use Duo", "/admin/gitlab_duo/configuration", true},
		{"GitLab Duo Core", func(f *models.HealthFacts) { f.Plan = models.PlanFree },
			"GitLab Duo Core is on, but this instance is on the Free plan", "/admin/subscription", true},
		{"Seat refresh", func(f *models.HealthFacts) { f.Purchases[0].LastAssignedUsersRefreshedAt = nil },
			"GitLab Duo Pro was never refreshed", "/admin/subscription", false},
		{"Seat refresh", func(f *models.HealthFacts) {
			at := healthNow.Add(-models.RefreshStaleAfter - time.Hour)
			f.Purchases[0].LastAssignedUsersRefreshedAt = &at
		}, "GitLab Duo Pro was last refreshed 9 hours ago", "/admin/subscription", false},
		{"Email delivery", func(f *models.HealthFacts) {
			f.PendingEmails, f.FailingEmails, f.LastEmailError = 3, 2, "550 no such user"
		},
			"2 emails could not be sent (last error: 550 no such user)", "/admin/email_outbox", false},
		{"Email delivery", func(f *models.HealthFacts) { f.SMTPConfigured, f.PendingEmails = false, 1 },
			"SMTP is not configured and 1 email is waiting to be sent.", "/admin/email_outbox", false},
		{"Subscription synchronization", func(f *models.HealthFacts) { f.Subscription = nil },
			"there is no subscription", "/admin/subscription", false},
		{"Subscription synchronization", func(f *models.HealthFacts) { f.Subscription.LastSyncedAt = nil },
			"Subscription has not yet been synchronized. Synchronize your subscription.", "/admin/subscription", false},
		{"Subscription synchronization", func(f *models.HealthFacts) {
			at := healthNow.Add(-models.SubscriptionSyncStaleAfter - time.Hour)
			f.Subscription.LastSyncedAt = &at
		}, "Subscription has not been synchronized recently (last 3 days ago)", "/admin/subscription", false},
	}
	for _, tc := range cases {
		t.Run(tc.check+": "+tc.message, func(t *testing.T) {
			f := healthySM()
			tc.change(&f)
			r := models.RunHealthChecks(f)
			c := findCheck(t, r, tc.check)
			if c.Passed {
				t.Fatalf("passed: %+v", c)
			}
			if !strings.Contains(c.Message, tc.message) {
				t.Fatalf("message %q lacks %q", c.Message, tc.message)
			}
			if c.Fix == "" || c.FixURL != tc.fixURL || c.Informational != tc.info {
				t.Fatalf("fix %q url %q informational %v", c.Fix, c.FixURL, c.Informational)
			}
			if r.Operational != tc.info {
				t.Fatalf("operational=%v with %s failing (informational %v)", r.Operational, tc.check, tc.info)
			}
		})
	}
}

func TestHealthChecksPerScope(t *testing.T) {
	t.Parallel()
	names := func(r models.HealthReport) string {
		var out []string
		for _, c := range r.Checks {
			out = append(out, c.Name)
		}
		return strings.Join(out, ", ")
	}
	com := models.HealthFacts{Deployment: models.GitLabCom, Now: healthNow}
	if got := names(models.RunHealthChecks(com)); got != "Email delivery, Seat refresh" {
		t.Fatalf("GitLab.com instance runs %s", got)
	}
	g := healthySM()
	g.Deployment, g.Group, g.Subscription, g.NeverOn = models.GitLabCom, &models.Group{FullPath: "acme"}, nil, true
	r := models.RunHealthChecks(g)
	if strings.Contains(names(r), "Subscription synchronization") || len(r.Checks) != 8 || r.Scope != "acme" {
		t.Fatalf("group runs %s (scope %s)", names(r), r.Scope)
	}
	if c := findCheck(t, r, "GitLab Duo availability"); c.Passed || !strings.Contains(c.Message, "Always off in acme") {
		t.Fatalf("group Always off: %+v", c)
	}
	// A group owner has no outbox: the fix says who to ask.
	g.NeverOn, g.FailingEmails, g.Links.Outbox = false, 1, ""
	if c := findCheck(t, models.RunHealthChecks(g), "Email delivery"); c.FixURL != "" || !strings.HasPrefix(c.Fix, "Ask an administrator of this instance to check SMTP_HOST") {
		t.Fatalf("owner's email fix: %+v", c)
	}
	g.Purchases[0].LastAssignedUsersRefreshedAt, g.Links.Subscription = nil, ""
	if c := findCheck(t, models.RunHealthChecks(g), "Seat refresh"); !strings.HasPrefix(c.Fix, "Ask an administrator of this instance to make sure the scheduled jobs run") {
		t.Fatalf("owner's refresh fix: %+v", c)
	}
}

func TestHealthFactsLoad(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.SetInstancePlan(ctx, tester, models.PlanPremium); err != nil {
			t.Fatal(err)
		}
		start := models.Today().AddDays(-5)
		p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 1,
			StartedAt: &start, ExpiresOn: models.Today().AddDays(100), PurchaseXID: "A-S9"})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"ann", "ben"} {
			u := mkUser(t, s, n, models.StateActive, false)
			if _, err := s.AssignSeat(ctx, tester, p.ID, u.ID); err != nil && n == "ann" {
				t.Fatal(err)
			}
		}
		// ann's welcome mail is queued too.
		if err := s.QueueEmail(ctx, models.OutboxEmail{ToAddress: "a@example.com", Subject: "Hi", TextBody: "x", Kind: "test"}); err != nil {
			t.Fatal(err)
		}
		f, err := s.HealthFacts(ctx, models.SelfManaged, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Purchases) != 1 || f.Purchases[0].Assigned != 1 || f.Plan != models.PlanPremium || f.PendingEmails != 2 || f.FailingEmails != 0 || f.Subscription != nil {
			t.Fatalf("facts %+v", f)
		}
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		emails, err := s.DueEmails(ctx, time.Now().Add(time.Hour), 10)
		if err != nil || len(emails) != 2 {
			t.Fatalf("due %v %v", emails, err)
		}
		for _, e := range emails {
			if ok, err := s.ClaimEmail(ctx, e, time.Minute, time.Now()); err != nil || !ok {
				t.Fatalf("claim %v %v", ok, err)
			}
		}
		// The other claimed mail is in flight, not failing.
		if err := s.MarkEmailFailed(ctx, emails[0].ID, "connection refused", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		f, err = s.HealthFacts(ctx, models.SelfManaged, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if !f.NeverOn || f.FailingEmails != 1 || f.LastEmailError != "connection refused" {
			t.Fatalf("after changes %+v", f)
		}
	})
}
