package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

const selfHostedPath = "/admin/ai/duo_self_hosted"

// licenseSelfHosted gives the instance what GitLab Duo Self-Hosted needs:
// Ultimate and an active Duo Enterprise purchase.
func (a *app) licenseSelfHosted() {
	a.t.Helper()
	ctx := context.Background()
	actor := models.ActorFor(a.users["admin"])
	if err := a.store.SetInstancePlan(ctx, actor, models.PlanUltimate); err != nil {
		a.t.Fatal(err)
	}
	if _, err := a.store.CreatePurchase(ctx, actor, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise,
		Quantity: 10, ExpiresOn: models.Today().AddDays(90)}); err != nil {
		a.t.Fatal(err)
	}
}

func (a *app) mkModel(name, endpoint, key string) *models.SelfHostedModel {
	a.t.Helper()
	m, err := a.store.CreateSelfHostedModel(context.Background(), models.ActorFor(a.users["admin"]), models.SelfHostedModelInput{
		Name: name, Platform: models.PlatformVLLM, ModelFamily: models.FamilyMixtral, Endpoint: endpoint,
		Identifier: "mistralai/Mixtral-8x7B-Instruct-v0.1", APIKey: key})
	if err != nil {
		a.t.Fatal(err)
	}
	return m
}

func modelForm(name string) url.Values {
	return url.Values{"name": {name}, "platform": {"vllm"}, "model_family": {"mixtral"},
		"endpoint": {"http://vllm.internal:8000/v1"}, "identifier": {"mistralai/Mixtral-8x7B-Instruct-v0.1"}, "api_key": {"sk-top-secret-42"}}
}

func (a *app) auditsOf(action string) []models.AuditEvent {
	a.t.Helper()
	evs, err := a.store.RecentAuditEvents(context.Background(), 10000)
	if err != nil {
		a.t.Fatal(err)
	}
	var out []models.AuditEvent
	for _, ev := range evs {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

func modelPath(m *models.SelfHostedModel, suffix string) string {
	return selfHostedPath + "/" + strconv.FormatInt(m.ID, 10) + suffix
}

func TestSelfHostedNotOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	c := a.as("admin")
	wantStatus(t, c.get(selfHostedPath), http.StatusNotFound)
	wantStatus(t, c.get(selfHostedPath+"/new"), http.StatusNotFound)
	wantStatus(t, c.post(selfHostedPath, modelForm("m")), http.StatusNotFound)
	if ms, _ := a.store.SelfHostedModels(context.Background()); len(ms) != 0 {
		t.Fatal("a model was created on GitLab.com")
	}
	if strings.Contains(c.get("/admin").Body, "Self-hosted models") {
		t.Fatal("the GitLab.com sidebar links self-hosted models")
	}
}

func TestSelfHostedNotAvailableWithoutDuoEnterprise(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	for _, path := range []string{selfHostedPath, selfHostedPath + "/new"} {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		wantText(t, res, `[data-testid="not-available-reason"]`,
			"GitLab Duo Self-Hosted is available only with an Ultimate subscription and an active GitLab Duo Enterprise add-on.")
		if res.Doc().Find(`form[data-testid="model-form"], [data-testid="models-table"]`).Length() != 0 {
			t.Fatalf("%s shows the screen without the license", path)
		}
	}
	if !strings.Contains(c.get("/admin").Body, `href="/admin/ai/duo_self_hosted"`) {
		t.Fatal("no sidebar item on self-managed")
	}
	// A POST changes nothing and says why.
	res := c.post(selfHostedPath, modelForm("m"))
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); !strings.HasPrefix(page.Flash(), "GitLab Duo Self-Hosted is available only with") {
		t.Fatalf("flash %q", page.Flash())
	}
	if ms, _ := a.store.SelfHostedModels(context.Background()); len(ms) != 0 {
		t.Fatal("a model was created without the license")
	}
	// Ultimate alone is not enough.
	if err := a.store.SetInstancePlan(context.Background(), models.ActorFor(a.users["admin"]), models.PlanUltimate); err != nil {
		t.Fatal(err)
	}
	if c.get(selfHostedPath).Doc().Find(`[data-testid="self-hosted-not-available"]`).Length() != 1 {
		t.Fatal("available with Ultimate but no Duo Enterprise")
	}
	a.licenseSelfHosted()
	if c.get(selfHostedPath).Doc().Find(`[data-testid="self-hosted-not-available"]`).Length() != 0 {
		t.Fatal("not available with Ultimate and Duo Enterprise")
	}
}

func TestSelfHostedModelCreateValidatesAndHidesTheKey(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.licenseSelfHosted()
	c := a.as("admin")
	res := c.get(selfHostedPath)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="no-models"]`, "No self-hosted models yet. Add one to use it for AI-powered features.")
	wantStatus(t, c.get(selfHostedPath+"/new"), http.StatusOK)

	// Every field's problem at once, values kept, the key not echoed.
	bad := url.Values{"name": {""}, "platform": {"ollama"}, "model_family": {"gemini"}, "endpoint": {"vllm.internal"},
		"identifier": {""}, "api_key": {"sk-top-secret-42"}}
	res = c.post(selfHostedPath, bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "name", "can't be blank")
	wantFieldError(t, res, "platform", "must be vLLM, Amazon Bedrock or Azure OpenAI")
	wantFieldError(t, res, "model_family", "must be one of Mistral, Mixtral, Codestral, Llama 3, Claude 3, GPT")
	wantFieldError(t, res, "endpoint", "must be a complete URL starting with http:// or https:// (for example http://vllm.example.com:8000)")
	wantFieldError(t, res, "identifier", "can't be blank")
	if v, _ := res.Doc().Find(`input[name="endpoint"]`).Attr("value"); v != "vllm.internal" {
		t.Fatalf("endpoint not kept: %q", v)
	}
	if strings.Contains(res.Body, "sk-top-secret-42") {
		t.Fatal("the refused form echoes the API key")
	}
	missing := modelForm("Mixtral")
	missing.Set("endpoint", "")
	wantFieldError(t, c.post(selfHostedPath, missing), "endpoint", "can't be blank (only Amazon Bedrock models need no endpoint)")

	res = c.post(selfHostedPath, modelForm("Mixtral"))
	wantStatus(t, res, http.StatusSeeOther)
	page := c.follow(res)
	if page.Flash() != "The self-hosted model was successfully created." {
		t.Fatalf("flash %q", page.Flash())
	}
	wantText(t, page, `[data-testid="model-name"]`, "Mixtral")
	wantText(t, page, `[data-testid="model-api-key"]`, "set")
	wantText(t, page, `[data-testid="model-used-by"]`, "Not used")
	if strings.Contains(page.Body, "sk-top-secret-42") {
		t.Fatal("the list shows the API key")
	}
	ms, _ := a.store.SelfHostedModels(context.Background())
	if len(ms) != 1 || ms[0].APIKeyEncrypted == "" || strings.Contains(ms[0].APIKeyEncrypted, "sk-top-secret-42") {
		t.Fatalf("stored %+v", ms)
	}
	evs := a.auditsOf("self_hosted_model_created")
	if len(evs) != 1 || evs[0].ActorName != "admin" || strings.Contains(evs[0].Details, "sk-top-secret") {
		t.Fatalf("audit %+v", evs)
	}
	// Unique name, whatever the case.
	res = c.post(selfHostedPath, modelForm("MIXTRAL"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "name", "has already been taken")
}

func TestSelfHostedModelEditKeepsOrReplacesTheKey(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.licenseSelfHosted()
	c := a.as("admin")
	m := a.mkModel("Mixtral", "http://vllm.internal:8000/v1", "sk-original")
	res := c.get(modelPath(m, "/edit"))
	wantStatus(t, res, http.StatusOK)
	if v, _ := res.Doc().Find(`input[name="api_key"]`).Attr("value"); v != "" || strings.Contains(res.Body, "sk-original") {
		t.Fatal("the edit form shows the API key")
	}
	wantText(t, res, `[data-testid="api-key-state"]`, "An API key is set. Leave the field empty to keep it, or enter a new one to replace it.")
	if v, _ := res.Doc().Find(`input[name="name"]`).Attr("value"); v != "Mixtral" {
		t.Fatalf("name %q", v)
	}
	wantStatus(t, c.get(selfHostedPath+"/999999/edit"), http.StatusNotFound)
	wantStatus(t, c.get(selfHostedPath+"/abc/edit"), http.StatusNotFound)

	form := modelForm("Mixtral 8x7B")
	form.Set("api_key", "")
	res = c.post(modelPath(m, ""), form)
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != "The self-hosted model was successfully updated." {
		t.Fatalf("flash %q", page.Flash())
	}
	up, _ := a.store.SelfHostedModelByID(context.Background(), m.ID)
	if key, _ := a.store.SelfHostedModelAPIKey(up); up.Name != "Mixtral 8x7B" || key != "sk-original" {
		t.Fatalf("after edit: %s / %q", up.Name, key)
	}
	form.Set("identifier", "")
	res = c.post(modelPath(m, ""), form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "identifier", "can't be blank")

	form = modelForm("Mixtral 8x7B")
	form.Set("api_key", "")
	form.Set("clear_api_key", "1")
	wantStatus(t, c.post(modelPath(m, ""), form), http.StatusSeeOther)
	page := c.get(selfHostedPath)
	wantText(t, page, `[data-testid="model-api-key"]`, "not set")
	evs := a.auditsOf("self_hosted_model_updated")
	if len(evs) != 2 || !strings.Contains(evs[0].Details, `"api_key":{"after":"not set","before":"set"}`) {
		t.Fatalf("audits %+v", evs)
	}
}

func TestSelfHostedModelInUseCannotBeDeleted(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.licenseSelfHosted()
	c := a.as("admin")
	m := a.mkModel("Mixtral", "http://vllm.internal:8000", "")
	id := strconv.FormatInt(m.ID, 10)
	res := c.post(selfHostedPath+"/features", url.Values{"code_completions": {id}, "duo_chat": {id}, "duo_chat_fix_code": {"disabled"}})
	wantStatus(t, res, http.StatusSeeOther)
	page := c.follow(res)
	if page.Flash() != "AI-powered features were successfully updated." {
		t.Fatalf("flash %q", page.Flash())
	}
	wantText(t, page, `[data-testid="model-used-by"]`, "Code completion, Duo Chat")
	if v, _ := page.Doc().Find(`select[name="duo_chat"] option[selected]`).Attr("value"); v != id {
		t.Fatalf("duo_chat shows %q", v)
	}
	if v, _ := page.Doc().Find(`select[name="duo_chat_fix_code"] option[selected]`).Attr("value"); v != "disabled" {
		t.Fatalf("fix code shows %q", v)
	}
	if len(a.auditsOf("ai_feature_settings_changed")) != 1 {
		t.Fatal("feature change not audited")
	}

	// Without the confirmation step nothing is deleted: the page names the
	// features using the model and cannot be confirmed while they do.
	res = c.post(modelPath(m, "/delete"), nil)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `h1`, "Delete model")
	if got := res.Doc().Find(`[data-testid="confirm-items"] li`).Text(); got != "Code completionDuo Chat" {
		t.Fatalf("features named %q", got)
	}
	if res.Doc().Find(`[data-testid="confirm-submit"][disabled]`).Length() != 1 || res.Text(`[data-testid="confirm-submit"]`) != "Delete model" {
		t.Fatal("Delete model is not disabled while the model is in use")
	}
	if _, err := a.store.SelfHostedModelByID(context.Background(), m.ID); err != nil {
		t.Fatal("a POST without the confirmation deleted the model")
	}
	res = c.post(modelPath(m, "/delete"), url.Values{"confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != "Cannot delete model Mixtral: it is used by Code completion, Duo Chat." {
		t.Fatalf("flash %q", page.Flash())
	}
	if _, err := a.store.SelfHostedModelByID(context.Background(), m.ID); err != nil {
		t.Fatal("a model in use was deleted")
	}
	wantStatus(t, c.post(selfHostedPath+"/features", url.Values{"code_completions": {"vendored"}, "duo_chat": {"vendored"}}), http.StatusSeeOther)
	res = c.post(modelPath(m, "/delete"), nil)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="confirm-detail"]`, "No GitLab Duo feature uses Mixtral.")
	cancel := res.Doc().Find(`[data-testid="confirm-cancel"]`)
	if cancel.AttrOr("href", "") != "/admin/ai/duo_self_hosted" || cancel.Next().AttrOr("data-testid", "") != "confirm-submit" {
		t.Fatal("Cancel is not on the left, back to the models")
	}
	if _, err := a.store.SelfHostedModelByID(context.Background(), m.ID); err != nil {
		t.Fatal("a POST without the confirmation deleted the model")
	}
	form := res.Doc().Find(`[data-testid="confirm-form"]`)
	res = c.post(form.AttrOr("action", ""), url.Values{"confirm": {form.Find(`input[name="confirm"]`).AttrOr("value", "")}})
	if page := c.follow(res); page.Flash() != "Your self-hosted model was successfully deleted." {
		t.Fatalf("flash %q", page.Flash())
	}
	if len(a.auditsOf("self_hosted_model_deleted")) != 1 {
		t.Fatal("delete not audited")
	}
	wantStatus(t, c.post(modelPath(m, "/delete"), url.Values{"confirm": {"1"}}), http.StatusNotFound)
}

func TestSelfHostedFeaturesFormValidation(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.licenseSelfHosted()
	c := a.as("admin")
	res := c.get(selfHostedPath)
	if n := res.Doc().Find(`[data-testid="feature-row"] select`).Length(); n != len(models.AIFeatures) {
		t.Fatalf("%d feature selects", n)
	}
	wantText(t, res, `[data-feature="duo_chat_troubleshoot_job"] label`, "Root cause analysis")
	res = c.post(selfHostedPath+"/features", url.Values{"duo_chat": {"gpt-5"}, "code_generations": {"424242"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_chat", models.MsgFeatureChoice)
	res = c.post(selfHostedPath+"/features", url.Values{"code_generations": {"424242"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "code_generations", models.MsgFeatureNoModel)
	if len(a.auditsOf("ai_feature_settings_changed")) != 0 {
		t.Fatal("a refused form was saved")
	}
}

func TestSelfHostedTestConnection(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.licenseSelfHosted()
	c := a.as("admin")
	var gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		if r.URL.Path != "/v1/models" || gotAuth != "Bearer sk-good" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"data":[]}`))
	}))
	t.Cleanup(srv.Close)

	good := a.mkModel("Good", srv.URL, "sk-good")
	res := c.post(modelPath(good, "/test_connection"), nil)
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != "Successfully connected to Good." {
		t.Fatalf("flash %q", page.Flash())
	}
	if gotAuth != "Bearer sk-good" {
		t.Fatalf("sent %q", gotAuth)
	}

	bad := a.mkModel("Bad key", srv.URL, "sk-wrong")
	page := c.follow(c.post(modelPath(bad, "/test_connection"), nil))
	want := "Connection to Bad key failed: GET " + srv.URL + "/v1/models answered 401 Unauthorized: check the API key."
	if page.Flash() != want || strings.Contains(page.Body, "sk-wrong") {
		t.Fatalf("flash %q", page.Flash())
	}
	wantStatus(t, c.post(selfHostedPath+"/999999/test_connection", nil), http.StatusNotFound)
}

func TestSelfHostedReadOnlyForAuditors(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.licenseSelfHosted()
	m := a.mkModel("Mixtral", "http://vllm.internal:8000", "sk-x")
	c := a.as("support")
	res := c.get(selfHostedPath)
	wantStatus(t, res, http.StatusOK)
	if _, disabled := res.Doc().Find(`[data-testid="ai-features-form"] fieldset`).Attr("disabled"); !disabled {
		t.Fatal("the features form is not disabled for an auditor")
	}
	if _, disabled := res.Doc().Find(`[data-testid="delete-model"]`).Attr("disabled"); !disabled {
		t.Fatal("delete is not disabled for an auditor")
	}
	res = c.get(modelPath(m, "/edit"))
	if _, disabled := res.Doc().Find(`[data-testid="model-form"] fieldset`).Attr("disabled"); !disabled {
		t.Fatal("the model form is not disabled for an auditor")
	}
	wantStatus(t, c.post(modelPath(m, "/delete"), nil), http.StatusForbidden)
	wantStatus(t, c.post(selfHostedPath, modelForm("new")), http.StatusForbidden)
}
