package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
)

// rulesApp: GitLab.com, acme owned by owner, acme/platform with eight
// Developers (p1..p8) and a Reporter, a Duo Pro purchase of 20 on acme.
func rulesApp(t *testing.T) (*seatsAPI, *models.Group, *models.AddOnPurchase) {
	t.Helper()
	s := newSeatsAPI(t, models.GitLabCom)
	acme := s.acmeOwnedByOwner()
	ctx := context.Background()
	platform, err := s.store.CreateGroup(ctx, models.ActorFor(s.users["admin"]), acme, models.GroupInput{Path: "platform", Name: "Platform"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 8; i++ {
		u := s.mustUser(models.UserInput{Username: fmt.Sprintf("p%d", i), Name: fmt.Sprintf("Plat %d", i), Email: fmt.Sprintf("p%d@example.com", i)})
		s.mkMember(models.GroupSource(platform), u, models.Developer)
	}
	rep := s.mustUser(models.UserInput{Username: "rep", Name: "Rep", Email: "rep@example.com"})
	s.mkMember(models.GroupSource(platform), rep, models.Reporter)
	p := s.purchase(acme, models.AddOnDuoPro, 20, nil, models.Today().AddDays(300), false)
	return s, acme, p
}

func TestAssignmentRuleScreensPreviewCountAndConfirm(t *testing.T) {
	t.Parallel()
	s, _, p := rulesApp(t)
	c := s.as("owner")
	base := "/groups/acme/-/settings/gitlab_duo/assignment_rules"
	res := c.get(base)
	wantStatus(t, res, http.StatusOK)
	if res.Text(`[data-testid="no-rules"]`) == "" {
		t.Fatal("no empty state")
	}
	form := url.Values{"source_kind": {"group"}, "source": {"acme/platform"}, "min_access_level": {"developer"}, "mode": {"assign_remove"}}
	// Count: the form again, with the number.
	countForm := url.Values{"action": {"count"}}
	for k, v := range form {
		countForm[k] = v
	}
	res = c.post(base+"/preview", countForm)
	wantStatus(t, res, http.StatusOK)
	if got := res.Text(`[data-testid="rule-count"]`); got != "8 users match this rule." {
		t.Fatalf("count %q", got)
	}
	// Bad input: the form again with the error, 422.
	bad := url.Values{"source_kind": {"group"}, "source": {"elsewhere"}, "mode": {"assign"}}
	res = c.post(base+"/preview", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text(`[data-field="source"]`), "is not a group of this subscription") {
		t.Fatalf("no field error: %s", snippet(res.Body))
	}
	// Preview: the diff, nothing written.
	res = c.post(base+"/preview", form)
	wantStatus(t, res, http.StatusOK)
	if got := res.Text(`[data-testid="diff-summary"]`); got != "8 users gain a seat, 0 users lose one." {
		t.Fatalf("summary %q", got)
	}
	if n, _ := s.store.AssignedCount(context.Background(), p.ID); n != 0 {
		t.Fatal("the preview assigned seats")
	}
	action, _ := res.Doc().Find(`[data-testid="diff-confirm-form"]`).Attr("action")
	res = c.post(action, form)
	wantStatus(t, res, http.StatusSeeOther)
	res = c.follow(res)
	if !strings.Contains(res.Flash(), "The rule was added. 8 users gain a seat") {
		t.Fatalf("flash %q", res.Flash())
	}
	if res.Doc().Find(`[data-testid="rule-row"]`).Length() != 1 {
		t.Fatal("the rule is not listed")
	}
	if n, _ := s.store.AssignedCount(context.Background(), p.ID); n != 8 {
		t.Fatalf("%d seats assigned", n)
	}
	if s.auditCount("duo_assignment_rule_created") != 1 || s.auditCount("seat_sync_applied") != 1 {
		t.Fatal("the change or the sync was not audited")
	}
	// Sync now of a synced purchase previews no change.
	res = c.get(base + "/sync")
	wantStatus(t, res, http.StatusOK)
	if got := res.Text(`[data-testid="diff-summary"]`); got != "No seat changes." {
		t.Fatalf("sync preview %q", got)
	}
	wantStatus(t, c.post(base+"/sync", url.Values{}), http.StatusSeeOther)
	// The seat table names the rule as the seat's reason.
	res = c.get("/groups/acme/-/settings/gitlab_duo")
	wantStatus(t, res, http.StatusOK)
}

func TestHeldRunScreenApproveAndDiscard(t *testing.T) {
	t.Parallel()
	s, _, p := rulesApp(t)
	ctx := context.Background()
	if _, err := s.store.ChangeRule(ctx, models.ActorFor(s.users["owner"]), p.ID, models.RuleChange{Op: models.RuleCreate,
		Input: models.RuleInput{SourceKind: "group", Source: "acme/platform", MinAccessLevel: "developer", Mode: "assign_remove"}}, false); err != nil {
		t.Fatal(err)
	}
	s.exec(`DELETE FROM members WHERE user_id IN (SELECT id FROM users WHERE username IN ('p1', 'p2'))`)
	// rep becomes a Developer: the held run's gain goes ahead.
	s.exec(`UPDATE members SET access_level = 30 WHERE user_id IN (SELECT id FROM users WHERE username = 'rep')`)
	res0, err := s.store.SyncRules(ctx, models.Automation, p.ID, models.TriggerScheduled, true)
	if err != nil || res0.Held == nil {
		t.Fatalf("2 of 8 is more than 10 %%: %+v %v", res0, err)
	}
	c := s.as("owner")
	base := "/groups/acme/-/settings/gitlab_duo/assignment_rules"
	res := c.get(base)
	if got := res.Text(`[data-testid="held-title"]`); got != "Held: this sync would remove 2 seats" {
		t.Fatalf("held title %q", got)
	}
	if got := res.Text(`[data-testid="held-gains-note"]`); got != "Already applied: 1 user gained a seat; only the removals wait for approval." ||
		!strings.Contains(res.Text(`[data-testid="held-gains"]`), "@rep") {
		t.Fatalf("held run's applied gains: %q %q", got, res.Text(`[data-testid="held-gains"]`))
	}
	// Support sees it and cannot decide.
	if s.as("support").get(base).Text(`[data-testid="held-title"]`) == "" {
		t.Fatal("support does not see the held run")
	}
	runPath := fmt.Sprintf("%s/runs/%d", base, res0.Held.ID)
	wantStatus(t, s.as("support").post(runPath+"/approve", url.Values{}), http.StatusForbidden)
	res = c.post(runPath+"/approve", url.Values{})
	wantStatus(t, res, http.StatusSeeOther)
	if n, _ := s.store.AssignedCount(ctx, p.ID); n != 7 {
		t.Fatalf("%d seats after approving", n)
	}
	res = c.follow(c.post(runPath+"/discard", url.Values{}))
	if !strings.Contains(res.Flash(), "already approved") {
		t.Fatalf("discarding an approved run: %q", res.Flash())
	}
	// Guard limits: bad input is 422 with the form.
	res = c.post(base+"/guard", url.Values{"max_percent": {"200"}, "max_seats": {"5"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = c.post(base+"/guard", url.Values{"max_percent": {"50"}, "max_seats": {"5"}, "window_hours": {"500"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`.field-error[data-field="window_hours"]`); !strings.Contains(got, "must be between 0 and 168") {
		t.Fatalf("window error %q", got)
	}
	// A form without the window (an older page) keeps the purchase's.
	wantStatus(t, c.post(base+"/guard", url.Values{"max_percent": {"50"}, "max_seats": {"5"}}), http.StatusSeeOther)
	if g, _ := s.store.RemovalGuardOf(ctx, p.ID); g != (models.RemovalGuard{MaxPercent: 50, MaxSeats: 5, WindowHours: 24}) {
		t.Fatalf("guard %+v", g)
	}
	wantStatus(t, c.post(base+"/guard", url.Values{"max_percent": {"50"}, "max_seats": {"5"}, "window_hours": {"6"}}), http.StatusSeeOther)
	if g, _ := s.store.RemovalGuardOf(ctx, p.ID); g != (models.RemovalGuard{MaxPercent: 50, MaxSeats: 5, WindowHours: 6}) {
		t.Fatalf("guard %+v", g)
	}
}

func TestAssignmentRulesAPI(t *testing.T) {
	t.Parallel()
	s, _, p := rulesApp(t)
	base := fmt.Sprintf("/api/v4/add_on_purchases/%d/assignment_rules", p.ID)
	body := `{"source_kind":"group","source":"acme/platform","min_access_level":"developer","mode":"assign_remove","excluded_usernames":["p8"]}`
	res := s.call("POST", base+"?dry_run=true", "owner", body)
	if res.Status != http.StatusOK {
		t.Fatalf("dry run %d %s", res.Status, res.Raw)
	}
	var dry struct {
		DryRun bool             `json:"dry_run"`
		Diff   *models.RuleDiff `json:"diff"`
	}
	if err := json.Unmarshal([]byte(res.Raw), &dry); err != nil || !dry.DryRun || len(dry.Diff.Gains) != 7 {
		t.Fatalf("%s %v", res.Raw, err)
	}
	if n := len(s.holders(p)); n != 0 {
		t.Fatal("the dry run assigned seats")
	}
	res = s.call("POST", base, "owner", body)
	if res.Status != http.StatusCreated {
		t.Fatalf("create %d %s", res.Status, res.Raw)
	}
	var created struct {
		Rule struct {
			ID       int64    `json:"id"`
			Excluded []string `json:"excluded_usernames"`
		} `json:"rule"`
		Diff *models.RuleDiff `json:"diff"`
	}
	_ = json.Unmarshal([]byte(res.Raw), &created)
	if created.Rule.ID == 0 || len(created.Diff.Gains) != 7 || created.Rule.Excluded[0] != "p8" {
		t.Fatalf("%s", res.Raw)
	}
	one := fmt.Sprintf("%s/%d", base, created.Rule.ID)
	if res := s.call("GET", one, "support", ""); res.Status != http.StatusOK || !strings.Contains(res.Raw, `"source":"acme/platform"`) {
		t.Fatalf("get %d %s", res.Status, res.Raw)
	}
	if res := s.call("PUT", one, "owner", `{"source_kind":"group","source":"nowhere","mode":"assign"}`); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad update %d %s", res.Status, res.Raw)
	}
	if res := s.call("POST", base+"/sync?dry_run=true", "owner", ""); res.Status != http.StatusOK || !strings.Contains(res.Raw, `"gains":null`) {
		t.Fatalf("sync dry run %d %s", res.Status, res.Raw)
	}
	// Deleting through the API is guarded: 7 of 7 seats is held, not removed.
	res = s.call("DELETE", one, "owner", "")
	if res.Status != http.StatusOK || !strings.Contains(res.Raw, `"held":{"id"`) {
		t.Fatalf("delete %d %s", res.Status, res.Raw)
	}
	if n := len(s.holders(p)); n != 7 {
		t.Fatalf("%d seats after a held delete", n)
	}
	if res := s.call("GET", base, "dev", ""); res.Status != http.StatusNotFound {
		t.Fatalf("dev reads the rules: %d", res.Status)
	}
}

// The rule form needs no script: its count is a submit button.
func TestRuleFormHasCountButton(t *testing.T) {
	t.Parallel()
	s, _, _ := rulesApp(t)
	res := s.as("owner").get("/groups/acme/-/settings/gitlab_duo/assignment_rules/new")
	wantStatus(t, res, http.StatusOK)
	doc := res.Doc()
	var names []string
	doc.Find(`[data-testid="rule-form"] button[type="submit"]`).Each(func(_ int, b *goquery.Selection) {
		names = append(names, b.AttrOr("value", "preview"))
	})
	if strings.Join(names, ",") != "preview,count" {
		t.Fatalf("buttons %v", names)
	}
}
