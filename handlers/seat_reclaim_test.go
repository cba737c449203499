package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duoadmin/models"
)

// The Reclaim tab: a preview before saving, in GitLab's words, with the
// list; bad input re-rendered with 422; saving is audited and redirects.
func TestReclaimTabPreviewThenSave(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	a.assign("dev", "pat")
	db, _ := a.store.SQLDB()
	// dev idle 100 days (assigned long ago, never used); pat used today.
	if _, err := db.Exec("UPDATE seat_assignments SET created_at = $1", models.Today().AddDays(-100).Time); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE users SET last_duo_activity_on = $1 WHERE username = 'pat'", models.Today().String()); err != nil {
		t.Fatal(err)
	}
	c := a.as("owner")
	path := comBulk + "/reclaim"
	r := c.get(path)
	wantStatus(t, r, http.StatusOK)
	if r.Doc().Find(`#enabled[checked]`).Length() != 0 || r.Doc().Find(`#idle_90[checked]`).Length() != 1 {
		t.Errorf("a new policy should be off with 90 days")
	}
	form := url.Values{"enabled": {"1"}, "idle_days": {"60"}, "notice_days": {"7"}, "preview": {"1"}}
	r = c.post(path, form)
	wantStatus(t, r, http.StatusOK)
	if got := strings.TrimSpace(r.Doc().Find(`[data-testid="reclaim-preview-count"]`).Text()); got != "This policy would reclaim 1 seat over the next 30 days." {
		t.Errorf("preview: %q", got)
	}
	if rows := r.Doc().Find(`[data-testid="reclaim-preview-row"]`); rows.Length() != 1 || !strings.Contains(rows.Text(), "@dev") {
		t.Errorf("preview list: %q", rows.Text())
	}
	if pol, _ := a.store.ReclaimPolicyOf(context.Background(), a.purchase.ID); pol.Enabled {
		t.Fatal("a preview saved the policy")
	}
	bad := url.Values{"enabled": {"1"}, "idle_days": {"custom"}, "custom_days": {"0"}, "notice_days": {"x"},
		"excluded_users": {"nobody"}, "excluded_groups": {"elsewhere"}, "save": {"1"}}
	r = c.post(path, bad)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	for _, f := range []string{"custom_days", "notice_days", "excluded_users", "excluded_groups"} {
		if r.Doc().Find(`[data-field="`+f+`"]`).Length() != 1 {
			t.Errorf("no error for %s", f)
		}
	}
	form.Del("preview")
	form.Set("save", "1")
	form.Set("excluded_groups", "acme/platform")
	r = c.post(path, form)
	wantStatus(t, r, http.StatusSeeOther)
	pol, _ := a.store.ReclaimPolicyOf(context.Background(), a.purchase.ID)
	if !pol.Enabled || pol.IdleDays != 60 || pol.NoticeDays != 7 || len(pol.ExcludedGroupIDs) != 1 {
		t.Errorf("saved %+v", pol)
	}
	if n := sqlCountApp(t, a, "SELECT count(*) FROM audit_events WHERE action = 'seat_reclaim_policy_updated'"); n != 1 {
		t.Errorf("%d audit events", n)
	}
	r = c.get(path)
	if r.Doc().Find(`#idle_60[checked]`).Length() != 1 || r.Doc().Find(`#excluded_groups`).Text() != "acme/platform" {
		t.Errorf("the saved policy is not shown")
	}
}

func sqlCountApp(t *testing.T, a *seatsApp, q string) int {
	t.Helper()
	db, _ := a.store.SQLDB()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A reclaim run over the mass-removal guard is held: the Reclaim tab says
// so and links to the held runs, which show it as a reclaim; approving it
// there reclaims the seat.
func TestHeldReclaimRunShownAndApproved(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	a.assign("dev", "pat")
	db, _ := a.store.SQLDB()
	if _, err := db.Exec("UPDATE seat_assignments SET created_at = $1", models.Today().AddDays(-100).Time); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE users SET last_duo_activity_on = $1 WHERE username = 'pat'", models.Today().String()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	owner := models.ActorFor(a.users["owner"])
	if err := a.store.SaveReclaimPolicy(ctx, owner, a.purchase, models.ReclaimPolicy{Enabled: true, IdleDays: 60}); err != nil {
		t.Fatal(err)
	}
	// One of two seats is over the default guard's 10 %.
	res, err := a.store.RunReclaim(ctx, a.purchase.ID, models.Today())
	if err != nil || res.Held == nil {
		t.Fatalf("%+v %v, want the run held", res, err)
	}
	c := a.as("owner")
	tab := c.get(comBulk + "/reclaim")
	wantStatus(t, tab, http.StatusOK)
	if got := tab.Text(`[data-testid="reclaim-held"]`); !strings.Contains(got, "A reclaim run is held: it would reclaim 1 seat and nothing was reclaimed") {
		t.Errorf("reclaim tab: %q", got)
	}
	rules := "/groups/acme/-/settings/gitlab_duo/assignment_rules"
	if href := tab.Doc().Find(`[data-testid="reclaim-held-link"]`).AttrOr("href", ""); href != rules {
		t.Errorf("held link %q, want %q", href, rules)
	}
	if got := c.get(rules).Text(`[data-testid="held-title"]`); got != "Held: this reclaim would remove 1 seat" {
		t.Errorf("held title %q", got)
	}
	wantStatus(t, c.post(fmt.Sprintf("%s/runs/%d/approve", rules, res.Held.ID), url.Values{}), http.StatusSeeOther)
	if n, _ := a.store.AssignedCount(ctx, a.purchase.ID); n != 1 {
		t.Errorf("%d seats after approving, want 1 (pat)", n)
	}
	if c.get(comBulk+"/reclaim").Doc().Find(`[data-testid="reclaim-held"]`).Length() != 0 {
		t.Error("the approved run is still mentioned")
	}
}
