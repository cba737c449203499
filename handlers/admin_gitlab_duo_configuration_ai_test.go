package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

const adminDuoConfigPath = "/admin/gitlab_duo/configuration"

// aiForm is the whole configuration form as the browser posts it with
// nothing changed: each checkbox's hidden 0, then its 1 when ticked.
func aiForm(st *models.InstanceSettings) url.Values {
	v := url.Values{"duo_availability": {string(models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled))},
		"duo_chat_expiration_days": {strconv.Itoa(st.DuoChatExpirationDays)}, "duo_chat_expiration_column": {string(st.DuoChatExpirationColumn)},
		"ai_gateway_url": {st.AIGatewayURL}}
	for name, on := range map[string]bool{"experiment_features_enabled": st.ExperimentFeaturesEnabled,
		"direct_code_suggestions_enabled": st.DirectCodeSuggestionsEnabled, "beta_self_hosted_models_enabled": st.BetaSelfHostedModelsEnabled,
		"ai_logs_enabled": st.AILogsEnabled} {
		setCheckbox(v, name, on)
	}
	return v
}

func setCheckbox(v url.Values, name string, on bool) {
	v[name] = []string{"0"}
	if on {
		v.Add(name, "1")
	}
}

func checkbox(t *testing.T, r *response, name string) (checked, disabled bool) {
	t.Helper()
	box := r.Doc().Find(`input[type="checkbox"][name="` + name + `"]`)
	if box.Length() != 1 {
		t.Fatalf("%d %s checkboxes", box.Length(), name)
	}
	_, checked = box.Attr("checked")
	_, disabled = box.Attr("disabled")
	return checked, disabled
}

func TestAdminConfigurationShowsTheAISections(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.as("admin").get(adminDuoConfigPath)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-feature-preview"] h2`, "Feature preview")
	wantText(t, res, `[data-testid="duo-chat-expiration"] h2`, "GitLab Duo Chat conversations")
	wantText(t, res, `label[for="direct_code_suggestions_enabled_1"]`, "Direct connections Use this setting to minimize latency. An IDE must connect to https://gitlab.com:443.")
	wantText(t, res, `label[for="direct_code_suggestions_enabled_0"]`, "Indirect connections through GitLab Self-Managed Use this setting to disable direct connections for all users. This setting might result in higher latency.")
	wantText(t, res, `[data-testid="duo-prompt-cache"] label`, "Turn on prompt caching Use prompt caching to improve GitLab Duo performance.")
	wantText(t, res, `[data-testid="ai-logs-warning"]`, "When AI logs are enabled, the prompts sent to AI models and their responses are logged. They can contain source code and other sensitive information.")
	if v, _ := res.Doc().Find(`input[name="duo_chat_expiration_days"]`).Attr("value"); v != "30" {
		t.Fatalf("days %q, want the default 30", v)
	}
	if v, _ := res.Doc().Find(`input[name="duo_chat_expiration_column"]:checked`).Attr("value"); v != "last_updated_at" {
		t.Fatalf("column %q", v)
	}
	if v, _ := res.Doc().Find(`input[name="direct_code_suggestions_enabled"]:checked`).Attr("value"); v != "1" {
		t.Fatalf("connection method %q, want direct (1) by default", v)
	}
	if checked, disabled := checkbox(t, res, "model_prompt_cache_enabled"); !checked || disabled {
		t.Fatalf("prompt cache: checked %v disabled %v, want on by default", checked, disabled)
	}
	for _, name := range []string{"experiment_features_enabled", "beta_self_hosted_models_enabled", "ai_logs_enabled"} {
		if checked, disabled := checkbox(t, res, name); checked || disabled {
			t.Fatalf("%s: checked %v disabled %v", name, checked, disabled)
		}
	}
	// Read-only for auditors, absent on GitLab.com.
	res = a.as("support").get(adminDuoConfigPath)
	if _, disabled := res.Doc().Find(`[data-testid="duo-configuration-form"] > fieldset`).Attr("disabled"); !disabled {
		t.Fatal("the form is not disabled for an auditor")
	}
	com := newApp(t, storetest.Any(t), models.GitLabCom)
	if strings.Contains(com.as("admin").get(adminDuoConfigPath).Body, "ai_gateway_url") {
		t.Fatal("GitLab.com shows the self-managed settings")
	}
}

func TestAdminConfigurationSavesTheAISettings(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	form := aiForm(a.duoInstance())
	setCheckbox(form, "experiment_features_enabled", true)
	setCheckbox(form, "direct_code_suggestions_enabled", false)
	setCheckbox(form, "beta_self_hosted_models_enabled", true)
	setCheckbox(form, "ai_logs_enabled", true)
	form.Set("duo_chat_expiration_days", "7")
	form.Set("duo_chat_expiration_column", "created_at")
	form.Set("ai_gateway_url", "https://ai-gateway.internal:5052")
	res := c.post(adminDuoConfigPath, form)
	wantStatus(t, res, http.StatusSeeOther)
	page := c.follow(res)
	if page.Flash() != "Application settings saved successfully." {
		t.Fatalf("flash %q", page.Flash())
	}
	st := a.duoInstance()
	if !st.ExperimentFeaturesEnabled || st.DirectCodeSuggestionsEnabled || !st.BetaSelfHostedModelsEnabled || !st.AILogsEnabled ||
		st.DuoChatExpirationDays != 7 || st.DuoChatExpirationColumn != models.ChatExpiresAfterCreation ||
		st.AIGatewayURL != "https://ai-gateway.internal:5052" {
		t.Fatalf("saved %+v", st)
	}
	if v, _ := page.Doc().Find(`input[name="ai_gateway_url"]`).Attr("value"); v != "https://ai-gateway.internal:5052" {
		t.Fatalf("page shows %q", v)
	}
	evs := a.auditsOf("instance_ai_settings_changed")
	if len(evs) != 1 || evs[0].ActorName != "admin" {
		t.Fatalf("audits %+v", evs)
	}
	for _, field := range []string{`"experiment_features_enabled":{"after":true,"before":false}`, `"duo_chat_expiration_days":{"after":7,"before":30}`,
		`"direct_code_suggestions_enabled":{"after":false,"before":true}`, `"ai_gateway_url":{"after":"https://ai-gateway.internal:5052","before":""}`} {
		if !strings.Contains(evs[0].Details, field) {
			t.Fatalf("audit lacks %s: %s", field, evs[0].Details)
		}
	}
	// Posting the page back unchanged writes nothing.
	wantStatus(t, c.post(adminDuoConfigPath, aiForm(a.duoInstance())), http.StatusSeeOther)
	if n := len(a.auditsOf("instance_ai_settings_changed")); n != 1 {
		t.Fatalf("%d events after an unchanged save", n)
	}
	// A form without these fields (another client) leaves them alone.
	wantStatus(t, c.post(adminDuoConfigPath, url.Values{"duo_availability": {"default_on"}}), http.StatusSeeOther)
	if st := a.duoInstance(); st.DuoChatExpirationDays != 7 || !st.AILogsEnabled {
		t.Fatalf("absent fields changed: %+v", st)
	}
	// Clearing the gateway URL is allowed.
	form = aiForm(a.duoInstance())
	form.Set("ai_gateway_url", "")
	wantStatus(t, c.post(adminDuoConfigPath, form), http.StatusSeeOther)
	if a.duoInstance().AIGatewayURL != "" {
		t.Fatal("the gateway URL was not cleared")
	}
}

func TestAdminConfigurationAIValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		field, value, msg string
	}{
		{"duo_chat_expiration_days", "0", models.MsgChatExpirationDays},
		{"duo_chat_expiration_days", "31", models.MsgChatExpirationDays},
		{"duo_chat_expiration_days", "", models.MsgChatExpirationDays},
		{"duo_chat_expiration_days", "7.5", models.MsgChatExpirationDays},
		{"duo_chat_expiration_days", "a week", models.MsgChatExpirationDays},
		{"duo_chat_expiration_column", "updated_at", models.MsgChatExpirationColumn},
		{"ai_gateway_url", "ai-gateway.internal", models.MsgAIGatewayURL},
		{"ai_gateway_url", "ftp://ai-gateway.internal", models.MsgAIGatewayURL},
		{"ai_gateway_url", "javascript:alert(1)", models.MsgAIGatewayURL},
		{"ai_logs_enabled", "maybe", "must be on (1) or off (0)"},
	}
	a := newTestApp(t)
	c := a.as("admin")
	for _, tc := range cases {
		form := aiForm(a.duoInstance())
		form.Set("ai_logs_enabled", "1") // a valid change, refused with the rest
		form.Set(tc.field, tc.value)
		res := c.post(adminDuoConfigPath, form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantFieldError(t, res, tc.field, tc.msg)
		if res.Doc().Find(`[data-testid="form-errors"]`).Length() != 1 {
			t.Fatalf("%s=%q: no error summary", tc.field, tc.value)
		}
		// The typed values come back.
		switch tc.field {
		case "duo_chat_expiration_days", "ai_gateway_url":
			if v, _ := res.Doc().Find(`input[name="` + tc.field + `"]`).Attr("value"); v != tc.value {
				t.Fatalf("%s shows %q, want %q", tc.field, v, tc.value)
			}
		}
	}
	if st := a.duoInstance(); st.AILogsEnabled || len(a.auditsOf("instance_ai_settings_changed")) != 0 {
		t.Fatal("a refused form saved something")
	}
	// Several problems are reported together.
	form := aiForm(a.duoInstance())
	form.Set("duo_chat_expiration_days", "99")
	form.Set("ai_gateway_url", "nope")
	res := c.post(adminDuoConfigPath, form)
	wantFieldError(t, res, "duo_chat_expiration_days", models.MsgChatExpirationDays)
	wantFieldError(t, res, "ai_gateway_url", models.MsgAIGatewayURL)
}

func TestExperimentFeaturesAndAlwaysOff(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.duoOrg() // groups whose reset the change must confirm
	c := a.as("admin")
	form := aiForm(a.duoInstance())
	setCheckbox(form, "experiment_features_enabled", true)
	wantStatus(t, c.post(adminDuoConfigPath, form), http.StatusSeeOther)
	if !a.duoInstance().ExperimentFeaturesEnabled {
		t.Fatal("experiment features not turned on")
	}

	// Choosing Always off with the box still ticked (no JavaScript): the
	// confirmation carries both, and experiment features end up off.
	form = aiForm(a.duoInstance())
	form.Set("duo_availability", "never_on")
	res := c.post(adminDuoConfigPath, form)
	wantStatus(t, res, http.StatusOK) // the confirmation step
	fields := confirmFields(res)
	if fields["experiment_features_enabled"][len(fields["experiment_features_enabled"])-1] != "1" {
		t.Fatalf("the confirmation lost the checkbox: %v", fields)
	}
	wantStatus(t, c.post(adminDuoConfigPath, fields), http.StatusSeeOther)
	st := a.duoInstance()
	if models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) != models.NeverOn || st.ExperimentFeaturesEnabled {
		t.Fatalf("after Always off: %+v", st)
	}

	// While Always off the box is disabled, unticked, without its hidden 0.
	res = c.get(adminDuoConfigPath)
	if checked, disabled := checkbox(t, res, "experiment_features_enabled"); checked || !disabled {
		t.Fatalf("Always off: checked %v disabled %v", checked, disabled)
	}
	if res.Doc().Find(`input[type="hidden"][name="experiment_features_enabled"]`).Length() != 0 {
		t.Fatal("a disabled checkbox must not post a hidden value")
	}
	wantText(t, res, `[data-testid="experiment-unavailable"]`, "Setting unavailable When GitLab Duo is not available, experiment and beta features cannot be turned on.")
	// A crafted POST cannot turn it on either.
	form = aiForm(a.duoInstance())
	setCheckbox(form, "experiment_features_enabled", true)
	wantStatus(t, c.post(adminDuoConfigPath, form), http.StatusSeeOther)
	if a.duoInstance().ExperimentFeaturesEnabled {
		t.Fatal("experiment features turned on while Always off")
	}
	// Back to Off by default: the box is enabled again.
	wantStatus(t, c.post(adminDuoConfigPath, url.Values{"duo_availability": {"default_off"}, "confirm": {"1"}}), http.StatusSeeOther)
	if _, disabled := checkbox(t, c.get(adminDuoConfigPath), "experiment_features_enabled"); disabled {
		t.Fatal("still disabled after leaving Always off")
	}
}
