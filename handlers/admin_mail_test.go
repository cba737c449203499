package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/static"
)

func mailFlagEnabled(a *app) bool {
	a.t.Helper()
	on, err := a.store.FeatureEnabled(context.Background(), models.FlagSeatEmailsSM)
	if err != nil {
		a.t.Fatal(err)
	}
	return on
}

func TestAdminFeatureFlagsToggle(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")

	res := c.get("/admin/feature_flags")
	wantStatus(t, res, http.StatusOK)
	row := `[data-testid="feature-flag"][data-name="duo_seat_assignment_email_for_sm"]`
	if got := res.Text(row + ` [data-testid="feature-flag-description"]`); got != "Send an email to users assigned a GitLab Duo seat on self-managed." {
		t.Fatalf("description %q", got)
	}
	if got := res.Text(row + ` [data-testid="feature-flag-state"]`); got != "Enabled" {
		t.Fatalf("state %q", got)
	}
	if got := res.Text(row + ` [data-testid="feature-flag-toggle"]`); got != "Disable" {
		t.Fatalf("button %q", got)
	}
	if got := res.Text(`a.sidebar-item[aria-current]`); got != "Feature flags" {
		t.Fatalf("active sidebar item %q", got)
	}
	if res.Doc().Find(`a.sidebar-item[href="/admin/email_outbox"]`).Length() != 1 {
		t.Fatal("the sidebar has no Email outbox item")
	}

	res = c.post("/admin/feature_flags", url.Values{"name": {models.FlagSeatEmailsSM}, "enabled": {"0"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin/feature_flags" {
		t.Fatalf("Location %q", loc)
	}
	page := c.follow(res)
	if got := page.Flash(); got != "Feature flag duo_seat_assignment_email_for_sm was disabled." {
		t.Fatalf("flash %q", got)
	}
	if got := page.Text(row + ` [data-testid="feature-flag-state"]`); got != "Disabled" {
		t.Fatalf("state after disabling %q", got)
	}
	if mailFlagEnabled(a) {
		t.Fatal("flag still on")
	}
	ev := adminUsersAudit(a, "feature_flag_changed", models.FlagSeatEmailsSM)
	if ev == nil || ev.ActorID == nil || *ev.ActorID != a.users["admin"].ID {
		t.Fatalf("audit event %+v", ev)
	}

	res = c.post("/admin/feature_flags", url.Values{"name": {models.FlagSeatEmailsSM}, "enabled": {"1"}})
	if got := c.follow(res).Flash(); got != "Feature flag duo_seat_assignment_email_for_sm was enabled." {
		t.Fatalf("flash %q", got)
	}
	if !mailFlagEnabled(a) {
		t.Fatal("flag still off")
	}

	// Bad input: an unknown flag is a 404, a missing state a 422; neither changes anything.
	events := adminUsersAuditCount(a)
	wantStatus(t, c.post("/admin/feature_flags", url.Values{"name": {"no_such_flag"}, "enabled": {"0"}}), http.StatusNotFound)
	res = c.post("/admin/feature_flags", url.Values{"name": {models.FlagSeatEmailsSM}, "enabled": {"maybe"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if res.Text(`[data-testid="feature-flag-error"]`) == "" {
		t.Fatal("422 without an error message")
	}
	if adminUsersAuditCount(a) != events || !mailFlagEnabled(a) {
		t.Fatal("bad input changed something")
	}
}

func TestAdminFeatureFlagsReadOnlyForAuditors(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	sup := a.as("support")
	res := sup.get("/admin/feature_flags")
	wantStatus(t, res, http.StatusOK)
	if res.Doc().Find(`[data-testid="feature-flags"] fieldset[disabled]`).Length() != 1 {
		t.Fatal("the toggle is not disabled for an auditor")
	}
	wantStatus(t, sup.post("/admin/feature_flags", url.Values{"name": {models.FlagSeatEmailsSM}, "enabled": {"0"}}), http.StatusForbidden)
	if !mailFlagEnabled(a) {
		t.Fatal("an auditor turned the flag off")
	}
	wantStatus(t, a.as("dev").get("/admin/feature_flags"), http.StatusNotFound)
	wantStatus(t, a.as("dev").get("/admin/email_outbox"), http.StatusNotFound)
}

func TestAdminEmailOutboxListsMailWithStatus(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	// A seat assignment queues the welcome mail.
	db, _ := a.store.SQLDB()
	if _, err := db.Exec("UPDATE instance_settings SET plan = 'premium'"); err != nil {
		t.Fatal(err)
	}
	p, err := a.store.CreatePurchase(ctx, models.Automation, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: 5, ExpiresOn: models.Today().AddDays(30)})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"dev", "owner"} {
		if _, err := a.store.AssignSeat(ctx, models.Automation, p.ID, a.users[u].ID); err != nil {
			t.Fatal(err)
		}
	}
	list, err := a.store.ListOutbox(ctx, models.OutboxFilter{}, models.Page{})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("outbox %+v %v", list, err)
	}
	ids := map[string]int64{}
	now := time.Now()
	for _, e := range list.Items {
		ids[e.ToAddress] = e.ID
		// A sender's claim counts the attempt.
		if won, err := a.store.ClaimEmail(ctx, e, time.Minute, now); err != nil || !won {
			t.Fatalf("claim: %v %v", won, err)
		}
	}
	if err := a.store.MarkEmailFailed(ctx, ids["dev@example.com"], "dial tcp 10.0.0.1:25: connection refused", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := a.store.MarkEmailSent(ctx, ids["owner@example.com"], now); err != nil {
		t.Fatal(err)
	}

	c := a.as("support") // auditors read the outbox too
	res := c.get("/admin/email_outbox")
	wantStatus(t, res, http.StatusOK)
	if got := res.Text(`[data-testid="smtp-status"]`); got != "SMTP is not configured: mail stays here until it is" {
		t.Fatalf("status line %q", got)
	}
	rows := res.Doc().Find(`[data-testid="outbox-mail"]`)
	if rows.Length() != 2 {
		t.Fatalf("%d rows, want 2", rows.Length())
	}
	devRow := `[data-testid="outbox-mail"][data-id="` + strconv.FormatInt(ids["dev@example.com"], 10) + `"]`
	if got := res.Text(devRow + ` [data-testid="outbox-subject"]`); got != "You have been assigned a GitLab Duo Pro seat" {
		t.Fatalf("subject %q", got)
	}
	if got := res.Text(devRow + ` [data-testid="outbox-status"] .badge-danger`); got != "Failing: dial tcp 10.0.0.1:25: connection refused" {
		t.Fatalf("failing status %q", got)
	}
	if got := res.Text(devRow + ` [data-testid="outbox-attempts"]`); got != "1" {
		t.Fatalf("attempts %q", got)
	}
	ownerRow := `[data-testid="outbox-mail"][data-id="` + strconv.FormatInt(ids["owner@example.com"], 10) + `"]`
	if got := res.Text(ownerRow + ` [data-testid="outbox-status"]`); !strings.HasPrefix(got, "Sent ") {
		t.Fatalf("sent status %q", got)
	}

	// Pending hides delivered mail.
	res = c.get("/admin/email_outbox?pending=1")
	wantStatus(t, res, http.StatusOK)
	rows = res.Doc().Find(`[data-testid="outbox-mail"]`)
	if rows.Length() != 1 || res.Text(`[data-testid="outbox-to"]`) != "dev@example.com" {
		t.Fatalf("pending tab: %d rows, first to %q", rows.Length(), res.Text(`[data-testid="outbox-to"]`))
	}
}

func TestAdminEmailOutboxShowsTheRelayAndKeepsTheFilterAcrossPages(t *testing.T) {
	t.Parallel()
	store := storetest.Any(t)
	srv := mustServer(t, handlers.Options{Store: store, Deployment: models.SelfManaged, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("s", 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS,
		SMTPDescription: "smtp.example.com:587"})
	a := &app{t: t, store: store, server: srv, http: httptest.NewServer(srv), users: map[string]*models.User{}}
	t.Cleanup(a.http.Close)
	a.users["admin"] = a.mustUser(models.UserInput{Username: "admin", Name: "Ada Admin", Email: "admin@example.com", Admin: true, Password: testPassword})
	ctx := context.Background()
	for range 25 {
		if err := store.QueueEmail(ctx, models.OutboxEmail{ToAddress: "x@example.com", Subject: "Hi", TextBody: "Hello", Kind: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	res := a.as("admin").get("/admin/email_outbox?pending=1")
	wantStatus(t, res, http.StatusOK)
	if got := res.Text(`[data-testid="smtp-status"]`); got != "Mail is delivered through smtp.example.com:587" {
		t.Fatalf("status line %q", got)
	}
	if n := res.Doc().Find(`[data-testid="outbox-mail"]`).Length(); n != 20 {
		t.Fatalf("%d rows on page 1", n)
	}
	next, ok := res.Doc().Find(`a[href*="page=2"]`).First().Attr("href")
	if !ok || !strings.Contains(next, "pending=1") {
		t.Fatalf("next page link %q keeps no filter", next)
	}
	if n := a.as("admin").get(next).Doc().Find(`[data-testid="outbox-mail"]`).Length(); n != 5 {
		t.Fatalf("%d rows on page 2", n)
	}
}
