package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// instanceSeats gives each user a seat of a new instance Duo Pro
// purchase (self-managed).
func (a *app) instanceSeats(usernames ...string) *models.AddOnPurchase {
	a.t.Helper()
	ctx := context.Background()
	if err := a.store.SetInstancePlan(ctx, models.Automation, models.PlanUltimate); err != nil {
		a.t.Fatal(err)
	}
	start, end := models.Today().AddDays(-10), models.Today().AddDays(300)
	p, err := a.store.CreatePurchase(ctx, models.Automation, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: 10, StartedAt: &start, ExpiresOn: end, PurchaseXID: "A-S00000042"})
	if err != nil {
		a.t.Fatal(err)
	}
	for _, n := range usernames {
		if _, err := a.store.AssignSeat(ctx, models.Automation, p.ID, a.users[n].ID); err != nil {
			a.t.Fatalf("assign %s: %v", n, err)
		}
	}
	return p
}

// wantConfirmReadsWell: every paragraph of the confirmation is a sentence
// ending with a full stop (or introduces a list), no count is zero.
func wantConfirmReadsWell(t *testing.T, res *response) {
	t.Helper()
	zero := regexp.MustCompile(`\b0 `)
	res.Doc().Find(`[data-testid="duo-confirm"] p, [data-testid="duo-confirm"] li, h1`).Each(func(_ int, s *goquery.Selection) {
		text := strings.Join(strings.Fields(s.Text()), " ")
		if zero.MatchString(text) {
			t.Errorf("a zero count: %q", text)
		}
		if s.Is("p") && !strings.HasSuffix(text, ".") && !strings.HasSuffix(text, ":") {
			t.Errorf("not a sentence: %q", text)
		}
	})
}

func TestInstanceAlwaysOffConfirmationSaysWhatItDoes(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetGroup(o.tools, models.NeverOn)
	a.duoSetGroup(o.api, models.NeverOn)
	a.instanceSeats("dev", "owner")
	if err := a.store.SaveInstanceAISettings(context.Background(), models.Automation,
		models.InstanceAIInput{ExperimentFeaturesEnabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	c := a.as("admin")
	before := a.duoAuditCount()

	res := c.post(adminDuoConfigPath, duoForm("never_on"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "h1", "Turn GitLab Duo always off for the instance?")
	wantText(t, res, `[data-testid="duo-reset-message"]`,
		"GitLab Duo will be always off for the whole instance, in 4 groups and 3 projects. No group, subgroup, or project can turn it on.")
	wantText(t, res, `[data-testid="duo-replaced-locks-intro"]`, "These 2 locks set below are removed, and Always off replaces them:")
	wantText(t, res, `[data-testid="duo-replaced-locks"] li[data-path="acme/platform/api"]`, "API (acme/platform/api): Always off")
	wantText(t, res, `[data-testid="duo-replaced-locks"] li[data-path="acme/tools"]`, "Tools (acme/tools): Always off")
	wantText(t, res, `[data-testid="duo-users-losing"]`, "2 users with a GitLab Duo seat lose GitLab Duo.")
	var details []string
	res.Doc().Find(`[data-testid="duo-confirm-detail"]`).Each(func(_ int, s *goquery.Selection) { details = append(details, s.Text()) })
	if strings.Join(details, " ") != "Experiment and beta features are turned off. Settings chosen below this level are replaced, and cannot be restored automatically." {
		t.Fatalf("details %q", details)
	}
	wantText(t, res, `[data-testid="confirm-submit"]`, "Lock 7 groups and projects")
	if !res.Doc().Find(`[data-testid="confirm-submit"]`).HasClass("btn-danger") {
		t.Error("the lock is not shown as a destructive action")
	}
	wantCancelPostsBack(t, res)
	wantConfirmReadsWell(t, res)
	if a.duoAvailabilityInstance() != models.DefaultOn || a.duoAuditCount() != before {
		t.Fatal("asking for confirmation changed the setting")
	}

	res = c.post(adminDuoConfigPath, confirmFields(res))
	wantStatus(t, res, http.StatusSeeOther)
	if a.duoAvailabilityInstance() != models.NeverOn {
		t.Fatal("the confirmed POST did not turn the instance Always off")
	}
}

func (a *app) duoAvailabilityInstance() models.Availability {
	st := a.duoInstance()
	return models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled)
}

// Always off asks even when nothing below is reset: a POST without the
// confirmation step changes nothing, on the instance and on a group.
func TestAlwaysOffWithoutConfirmationChangesNothing(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	res := c.post(adminDuoConfigPath, duoForm("never_on"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-reset-message"]`, "GitLab Duo will be always off for the whole instance. No group, subgroup, or project can turn it on.")
	wantText(t, res, `[data-testid="duo-users-losing"]`, "No user holds a GitLab Duo seat.")
	wantText(t, res, `[data-testid="confirm-submit"]`, "Turn always off")
	if n := res.Doc().Find(`[data-testid="duo-replaced-locks"], [data-testid="duo-confirm-detail"]`).Length(); n != 0 {
		t.Fatalf("%d lines about locks or settings below, with nothing below", n)
	}
	wantConfirmReadsWell(t, res)
	if a.duoAvailabilityInstance() != models.DefaultOn {
		t.Fatal("Always off saved without confirmation")
	}

	// A subgroup without subgroups or projects; dev (a member of acme,
	// its parent) holds a seat, support's seat is not there.
	o := a.duoOrg()
	a.mkMember(models.GroupSource(o.acme), a.users["dev"], models.Developer)
	a.instanceSeats("dev", "support")
	res = c.post("/groups/acme/tools/-/edit", duoForm("never_on"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "h1", "Turn GitLab Duo always off for Tools?")
	wantText(t, res, `[data-testid="duo-reset-message"]`, "GitLab Duo will be always off in Tools. No subgroup or project in it can turn it on.")
	wantText(t, res, `[data-testid="duo-users-losing"]`, "1 user with a GitLab Duo seat loses GitLab Duo in these groups and projects.")
	wantText(t, res, `[data-testid="confirm-submit"]`, "Turn always off")
	wantConfirmReadsWell(t, res)
	if a.duoAvailability(o.tools) != models.DefaultOn {
		t.Fatal("the group turned Always off without confirmation")
	}
	res = c.post("/groups/acme/tools/-/edit", confirmFields(res))
	wantStatus(t, res, http.StatusSeeOther)
	if a.duoAvailability(o.tools) != models.NeverOn {
		t.Fatal("the confirmed POST did not turn the group Always off")
	}

	// A group with one subgroup and one project: singular counts.
	res = c.post("/groups/acme/platform/-/edit", duoForm("never_on"))
	wantText(t, res, `[data-testid="duo-reset-message"]`, "GitLab Duo will be always off in Platform, its 1 subgroup, and its 2 projects. No subgroup or project in it can turn it on.")
	wantText(t, res, `[data-testid="confirm-submit"]`, "Lock 3 subgroups and projects")
}

// Cancel on the confirmation shows the form again with everything else it
// held, the availability as stored, and saves nothing.
func TestInstanceConfirmationCancelKeepsTheOtherEdits(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.duoOrg()
	c := a.as("admin")
	form := duoForm("never_on")
	form.Set(models.FieldChatExpirationDays, "12")
	form.Set(models.FieldAIGatewayURL, "https://gateway.example.com")
	form.Set(models.FieldPromptCache, "0")
	form.Set(models.FieldDirectConnections, "0")
	res := c.post(adminDuoConfigPath, form)
	wantStatus(t, res, http.StatusOK)
	fields := confirmFields(res)
	fields.Set("cancel", "1")
	res = c.post(adminDuoConfigPath, fields)
	wantStatus(t, res, http.StatusOK)
	if got := checkedDuo(t, res); got != "default_on" {
		t.Fatalf("availability %q after Cancel, want the stored default_on", got)
	}
	doc := res.Doc()
	if v, _ := doc.Find(`input[name="duo_chat_expiration_days"]`).Attr("value"); v != "12" {
		t.Fatalf("days %q after Cancel, want the typed 12", v)
	}
	if v, _ := doc.Find(`input[name="ai_gateway_url"]`).Attr("value"); v != "https://gateway.example.com" {
		t.Fatalf("gateway %q after Cancel", v)
	}
	if checked, _ := checkbox(t, res, models.FieldPromptCache); checked {
		t.Fatal("prompt cache ticked again after Cancel")
	}
	if v, _ := doc.Find(`input[name="direct_code_suggestions_enabled"]:checked`).Attr("value"); v != "0" {
		t.Fatalf("connection method %q after Cancel, want indirect (0)", v)
	}
	// The edits are still to be saved: Save does not wait for a change.
	if _, gated := doc.Find(`[data-testid="duo-configuration-form"]`).Attr("data-save-when-changed"); gated {
		t.Fatal("Save waits for a change although the form holds unsaved edits")
	}
	st := a.duoInstance()
	if st.DuoChatExpirationDays != 30 || st.AIGatewayURL != "" || !st.ModelPromptCacheEnabled || !st.DirectCodeSuggestionsEnabled ||
		a.duoAvailabilityInstance() != models.DefaultOn {
		t.Fatalf("Cancel saved something: %+v", st)
	}
}

func TestGroupConfigurationCancelKeepsExperimentChoice(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	o := a.duoOrg()
	c := a.as("owner")
	path := "/groups/acme/-/settings/gitlab_duo/configuration"
	res := c.post(path, url.Values{"duo_availability": {"never_on"}, "experiment_features_enabled": {"1"}})
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "h1", "Turn GitLab Duo always off for Acme?")
	fields := confirmFields(res)
	fields.Set("cancel", "1")
	res = c.post(path, fields)
	wantStatus(t, res, http.StatusOK)
	if got := checkedDuo(t, res); got != "default_on" {
		t.Fatalf("availability %q after Cancel", got)
	}
	if _, checked := res.Doc().Find(`#experiment_features_enabled`).Attr("checked"); !checked {
		t.Fatal("the experiment checkbox lost its tick on Cancel")
	}
	if a.duoAvailability(o.acme) != models.DefaultOn || a.duoGroup(o.acme).ExperimentFeaturesEnabled {
		t.Fatal("Cancel saved something")
	}
}

// The warnings show only where they apply: never to read-only support,
// the turn-off warning only while Always off is not stored (CSS shows it
// only while Always off is selected), the AI logs one only while ticked.
func TestInstanceConfigurationWarningsOnlyWhereTheyApply(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.as("admin").get(adminDuoConfigPath)
	if !res.Doc().Find(`[data-testid="duo-turn-off-warning"]`).HasClass("duo-turn-off-warning") ||
		!res.Doc().Find(`[data-testid="ai-logs-warning"]`).HasClass("ai-logs-warning") {
		t.Fatal("the warnings lack the classes that show them only while they apply")
	}
	if res.Doc().Find(`link[href="/static/css/duo_configuration.css"]`).Length() != 1 {
		t.Fatal("the stylesheet that hides the warnings is not linked")
	}
	if _, gated := res.Doc().Find(`[data-testid="duo-configuration-form"]`).Attr("data-save-when-changed"); !gated {
		t.Fatal("Save does not wait for a change on the stored form")
	}
	support := a.as("support").get(adminDuoConfigPath)
	wantStatus(t, support, http.StatusOK)
	if n := support.Doc().Find(`[data-testid="duo-turn-off-warning"], [data-testid="ai-logs-warning"]`).Length(); n != 0 {
		t.Fatalf("support sees %d warnings", n)
	}
	a.duoSetInstance(models.NeverOn)
	res = a.as("admin").get(adminDuoConfigPath)
	if res.Doc().Find(`[data-testid="duo-turn-off-warning"]`).Length() != 0 {
		t.Fatal("the turn-off warning shows while GitLab Duo is already Always off")
	}
}

// A group whose setting is locked from above has nothing to save.
func TestGroupEditSaveDisabledWhenLocked(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	res := a.as("owner").get("/groups/acme/platform/-/edit")
	if _, disabled := res.Doc().Find(`[data-testid="save-changes"]`).Attr("disabled"); disabled {
		t.Fatal("Save disabled while the setting can change")
	}
	a.duoSetGroup(o.acme, models.NeverOn)
	res = a.as("owner").get("/groups/acme/platform/-/edit")
	if _, disabled := res.Doc().Find(`[data-testid="save-changes"]`).Attr("disabled"); !disabled {
		t.Fatal("Save enabled while the setting is locked by acme")
	}
}

func TestPromptCacheSavedAuditedAndInTheAPI(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	// Unticked: only the hidden 0 is posted.
	res := c.post(adminDuoConfigPath, url.Values{models.FieldPromptCache: {"0"}})
	wantStatus(t, res, http.StatusSeeOther)
	if a.duoInstance().ModelPromptCacheEnabled {
		t.Fatal("prompt cache still on")
	}
	ev := wantAudit(t, a, "instance_ai_settings_changed", "instance", "admin")
	d := auditDetails(t, ev)[models.FieldPromptCache].(map[string]any)
	if d["before"] != true || d["after"] != false {
		t.Fatalf("audited %v", d)
	}
	tok := a.duoToken("admin")
	wantAPI(t, a.api("GET", "/api/v4/application/settings", tok, ""), http.StatusOK, map[string]any{"duo_features_enabled": true,
		"lock_duo_features_enabled": false, "duo_availability": "default_on", "model_prompt_cache_enabled": false})
	wantAPI(t, a.api("PUT", "/api/v4/application/settings", tok, `{"model_prompt_cache_enabled":true}`), http.StatusOK,
		map[string]any{"duo_features_enabled": true, "lock_duo_features_enabled": false, "duo_availability": "default_on",
			"model_prompt_cache_enabled": true})
	if !a.duoInstance().ModelPromptCacheEnabled {
		t.Fatal("the API did not turn the prompt cache on")
	}
	wantAPI(t, a.api("PUT", "/api/v4/application/settings", tok, `{"model_prompt_cache_enabled":"yes"}`), http.StatusBadRequest,
		apiMessage("model_prompt_cache_enabled is invalid"))
}
