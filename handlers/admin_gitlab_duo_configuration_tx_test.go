package handlers_test

import (
	"context"
	"net/http"
	"testing"

	"duoadmin/models"
)

// The instance configuration form is one user action: when saving its AI
// settings fails, the availability it changed in the same post stays as
// it was (it used to be committed on its own first).
func TestAdminConfigurationSavesTheFormInOneTransaction(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	// A database that refuses to change the gateway URL: the AI settings'
	// part of the save fails after the availability's.
	failing := []string{`CREATE TRIGGER refuse_gateway BEFORE UPDATE OF ai_gateway_url ON instance_settings
		BEGIN SELECT RAISE(ABORT, 'injected failure'); END`}
	if a.store.Dialect() == models.Postgres {
		failing = []string{`CREATE FUNCTION refuse_gateway() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
			`CREATE TRIGGER refuse_gateway BEFORE UPDATE OF ai_gateway_url ON instance_settings
			FOR EACH ROW EXECUTE FUNCTION refuse_gateway()`}
	}
	for _, stmt := range failing {
		if err := a.store.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	before := a.duoInstance()
	if models.InstanceAvailability(before.DuoFeaturesEnabled, before.LockDuoFeaturesEnabled) != models.DefaultOn {
		t.Fatalf("fixture starts at %+v", before)
	}
	form := aiForm(before)
	form.Set("duo_availability", string(models.DefaultOff))
	form.Set("confirm", "1")
	form.Set("ai_gateway_url", "https://ai-gateway.internal:5052")
	res := a.as("admin").post(adminDuoConfigPath, form)
	wantStatus(t, res, http.StatusInternalServerError)
	after := a.duoInstance()
	if got := models.InstanceAvailability(after.DuoFeaturesEnabled, after.LockDuoFeaturesEnabled); got != models.DefaultOn {
		t.Fatalf("availability %s saved although the form's save failed", got)
	}
	if n := len(a.auditsOf("duo_availability_changed")); n != 0 {
		t.Fatalf("%d availability audit events for a save that failed", n)
	}
}
