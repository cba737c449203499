package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"duoadmin/models"
)

// TestJourneyInstanceConfiguration: the instance configuration with
// JavaScript on. Save waits for a change; the turn-off warning shows only
// while Always off is selected and the AI logs one only while ticked;
// Always off asks first, naming what it locks; Cancel comes back with the
// other edits and the stored setting.
func TestJourneyInstanceConfiguration(t *testing.T) {
	s := startJourneySite(t, models.SelfManaged)
	s.person("ada", "Ada Admin", true, "admin")
	acme := s.group(nil, "acme", "Acme Corp", models.PlanUltimate)
	legacy := s.group(acme, "legacy", "Legacy", "")
	s.project(acme, "backend", "Backend")
	s.project(legacy, "old-api", "Old API")
	if _, err := s.store.SetGroupDuoAvailability(context.Background(), models.Automation, legacy, models.NeverOn); err != nil {
		t.Fatal(err)
	}
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "ada")
	open(t, ctx, s, "/admin/gitlab_duo/configuration", 200)

	const save = `[data-testid="duo-configuration-form"] [data-testid="save-changes"]`
	if count(t, ctx, save+":disabled") != 1 {
		t.Fatal("Save is enabled before anything changed")
	}
	const warning = `[data-testid="duo-turn-off-warning"]`
	if visible(t, ctx, warning) || visible(t, ctx, `[data-testid="ai-logs-warning"]`) {
		t.Fatal("a warning shows before its choice is selected")
	}
	do(t, ctx, "choose Always off", chromedp.Click(chromedp.CSS(`label[for="duo_availability_never_on"]`)))
	if !visible(t, ctx, warning) {
		t.Fatal("the turn-off warning does not show with Always off selected")
	}
	if count(t, ctx, save+":disabled") != 0 {
		t.Fatal("Save stays disabled after a change")
	}
	do(t, ctx, "tick AI logs", chromedp.Click(chromedp.CSS(`label[for="ai_logs_enabled"]`)))
	if !visible(t, ctx, `[data-testid="ai-logs-warning"]`) {
		t.Fatal("the AI logs warning does not show with AI logs ticked")
	}
	do(t, ctx, "change the chat expiry and save",
		chromedp.SetValue(chromedp.ID("duo_chat_expiration_days"), "12"),
		chromedp.Click(chromedp.CSS(save)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="duo-confirm"]`)),
	)
	wantTextOf(t, ctx, "h1", "Turn GitLab Duo always off for the instance?")
	wantTextOf(t, ctx, `[data-testid="confirm-submit"]`, "Lock 4 groups and projects")
	wantTextOf(t, ctx, `[data-testid="duo-replaced-locks"] li`, "Legacy (acme/legacy): Always off")
	shot(t, ctx, "instance-always-off-confirmation")

	do(t, ctx, "cancel",
		chromedp.Click(chromedp.CSS(`[data-testid="confirm-cancel"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="duo-configuration-form"]`)),
	)
	if count(t, ctx, `#duo_availability_default_on:checked`) != 1 {
		t.Error("after Cancel the stored On by default is not selected")
	}
	if v := run(t, ctx, "read days", chromedp.Evaluate[string](`document.getElementById("duo_chat_expiration_days").value`)); v != "12" {
		t.Errorf("after Cancel the chat expiry is %q, want the typed 12", v)
	}
	if count(t, ctx, `#ai_logs_enabled:checked`) != 1 {
		t.Error("after Cancel AI logs lost their tick")
	}
	if visible(t, ctx, warning) {
		t.Error("the turn-off warning shows after Cancel, without Always off selected")
	}
	if count(t, ctx, save+":disabled") != 0 {
		t.Error("Save is disabled although the form holds unsaved edits")
	}
	st, err := s.store.InstanceSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !st.DuoFeaturesEnabled || st.DuoChatExpirationDays != 30 || st.AILogsEnabled {
		t.Fatalf("something was saved before confirming: %+v", st)
	}
	// The radios' colours change with a CSS transition: wait it out.
	do(t, ctx, "show the warnings", chromedp.Click(chromedp.CSS(`label[for="duo_availability_never_on"]`)), chromedp.Sleep(400*time.Millisecond))
	if count(t, ctx, `#duo_availability_never_on:checked`) != 1 || !visible(t, ctx, warning) {
		t.Fatal("Always off is not selected with its warning")
	}
	shot(t, ctx, "instance-configuration-always-off-warning")
}

// TestJourneyInstanceConfigurationWithoutJavaScript: Save is enabled and
// the confirmation still comes first.
func TestJourneyInstanceConfigurationWithoutJavaScript(t *testing.T) {
	s := startJourneySite(t, models.SelfManaged)
	s.person("ada", "Ada Admin", true, "admin")
	s.group(nil, "acme", "Acme Corp", models.PlanUltimate)
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "ada")
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, s, "/admin/gitlab_duo/configuration", 200)
	const save = `[data-testid="duo-configuration-form"] [data-testid="save-changes"]`
	if count(t, ctx, save+":disabled") != 0 {
		t.Fatal("without JavaScript Save is disabled")
	}
	do(t, ctx, "choose Always off and save",
		chromedp.Click(chromedp.CSS(`label[for="duo_availability_never_on"]`)),
		chromedp.Click(chromedp.CSS(save)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="duo-confirm"]`)),
	)
	wantTextOf(t, ctx, `[data-testid="confirm-submit"]`, "Lock 1 group")
	do(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`[data-testid="confirm-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	if count(t, ctx, `#duo_availability_never_on:checked`) != 1 {
		t.Fatal("Always off not saved without JavaScript")
	}
}

// visible: the first element matching css is rendered (not display:none).
func visible(t *testing.T, ctx context.Context, css string) bool {
	t.Helper()
	return run(t, ctx, "is "+css+" visible", chromedp.Evaluate[bool](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return !!e && e.getClientRects().length > 0; })()`, css)))
}
