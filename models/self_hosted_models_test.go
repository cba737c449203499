package models_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/secretbox"
	"duoadmin/models/storetest"
)

const testAPIKey = "sk-live-0123456789abcdef"

func vllmModel(name string) models.SelfHostedModelInput {
	return models.SelfHostedModelInput{Name: name, Platform: models.PlatformVLLM, ModelFamily: models.FamilyMistral,
		Endpoint: "http://vllm.internal:8000/v1", Identifier: "mistralai/Mistral-7B-Instruct-v0.3", APIKey: testAPIKey}
}

// keyedStore is a store with an encryption key, as serve sets one.
func keyedStore(t *testing.T, s *models.Store) *models.Store {
	return s.WithSecretBox(mustBox(t, 7))
}

func TestSelfHostedModelValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 256)
	cases := []struct {
		name   string
		change func(*models.SelfHostedModelInput)
		field  string
	}{
		{"blank name", func(in *models.SelfHostedModelInput) { in.Name = "  " }, "name"},
		{"long name", func(in *models.SelfHostedModelInput) { in.Name = long }, "name"},
		{"no platform", func(in *models.SelfHostedModelInput) { in.Platform = "" }, "platform"},
		{"unknown platform", func(in *models.SelfHostedModelInput) { in.Platform = "ollama" }, "platform"},
		{"unknown family", func(in *models.SelfHostedModelInput) { in.ModelFamily = "gemini" }, "model_family"},
		{"no endpoint for vLLM", func(in *models.SelfHostedModelInput) { in.Endpoint = "" }, "endpoint"},
		{"no endpoint for Azure", func(in *models.SelfHostedModelInput) { in.Platform, in.Endpoint = models.PlatformAzureOpenAI, "" }, "endpoint"},
		{"relative endpoint", func(in *models.SelfHostedModelInput) { in.Endpoint = "vllm.internal:8000" }, "endpoint"},
		{"ftp endpoint", func(in *models.SelfHostedModelInput) { in.Endpoint = "ftp://vllm.internal" }, "endpoint"},
		{"credentials in endpoint", func(in *models.SelfHostedModelInput) { in.Endpoint = "https://bob:pw@vllm.internal" }, "endpoint"},
		{"bad Bedrock endpoint", func(in *models.SelfHostedModelInput) { in.Platform, in.Endpoint = models.PlatformBedrock, "bedrock" }, "endpoint"},
		{"blank identifier", func(in *models.SelfHostedModelInput) { in.Identifier = "" }, "identifier"},
		{"long identifier", func(in *models.SelfHostedModelInput) { in.Identifier = long }, "identifier"},
		{"long API key", func(in *models.SelfHostedModelInput) { in.APIKey = strings.Repeat("k", 4097) }, "api_key"},
	}
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		s = keyedStore(t, s)
		ctx := context.Background()
		for _, tc := range cases {
			in := vllmModel("m")
			tc.change(&in)
			_, err := s.CreateSelfHostedModel(ctx, tester, in)
			var fe models.FieldErrors
			if !errors.As(err, &fe) || fe[tc.field] == "" || len(fe) != 1 {
				t.Errorf("%s: %v, want one error on %s", tc.name, err, tc.field)
			}
		}
		if ms, _ := s.SelfHostedModels(ctx); len(ms) != 0 {
			t.Fatalf("%d models saved from bad input", len(ms))
		}
		bedrock := vllmModel("Claude on Bedrock")
		bedrock.Platform, bedrock.ModelFamily, bedrock.Endpoint, bedrock.APIKey = models.PlatformBedrock, models.FamilyClaude3, "", ""
		bedrock.Identifier = "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"
		if _, err := s.CreateSelfHostedModel(ctx, tester, bedrock); err != nil {
			t.Fatalf("Bedrock needs no endpoint: %v", err)
		}
		if _, err := s.CreateSelfHostedModel(ctx, tester, vllmModel("Mistral prod")); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateSelfHostedModel(ctx, tester, vllmModel("mistral PROD"))
		var fe models.FieldErrors
		if !errors.As(err, &fe) || fe["name"] != "has already been taken" {
			t.Fatalf("duplicate name (other case): %v", err)
		}
	})
}

func TestSelfHostedModelAPIKeyIsEncrypted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		s = keyedStore(t, s)
		ctx := context.Background()
		m, err := s.CreateSelfHostedModel(ctx, tester, vllmModel("Mistral prod"))
		if err != nil {
			t.Fatal(err)
		}
		var stored string
		db, _ := s.SQLDB()
		if err := db.QueryRow("SELECT api_key_encrypted FROM self_hosted_models WHERE id = $1", m.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == "" || strings.Contains(stored, testAPIKey) || strings.Contains(stored, "0123456789abcdef") {
			t.Fatalf("stored column %q holds the key", stored)
		}
		if !strings.HasPrefix(stored, "v1:"+mustBox(t, 7).Fingerprint()+":") {
			t.Fatalf("stored column %q carries no key fingerprint", stored)
		}
		if key, err := s.SelfHostedModelAPIKey(m); err != nil || key != testAPIKey {
			t.Fatalf("decrypted %q, %v", key, err)
		}
		for _, ev := range auditsOf(t, s, "self_hosted_model_created") {
			if strings.Contains(ev.Details, testAPIKey) || strings.Contains(ev.Details, stored) || !strings.Contains(ev.Details, `"api_key":"set"`) {
				t.Fatalf("audit details %s", ev.Details)
			}
		}
		// Another key cannot read it, and says so instead of returning garbage.
		if _, err := s.WithSecretBox(mustBox(t, 8)).SelfHostedModelAPIKey(m); err == nil || !strings.Contains(err.Error(), "ENCRYPTION_KEY") {
			t.Fatalf("wrong key: %v", err)
		}
		if err := s.CheckEncryptionKey(ctx, mustBox(t, 8)); err == nil || !strings.Contains(err.Error(), "is not the key the 1 stored API key of self-hosted models were encrypted with") {
			t.Fatalf("start-up check with a wrong key: %v", err)
		}
		if err := s.CheckEncryptionKey(ctx, mustBox(t, 7)); err != nil {
			t.Fatalf("start-up check with the right key: %v", err)
		}
	})
}

func TestCheckEncryptionKeyWithoutStoredKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		s = keyedStore(t, s)
		in := vllmModel("no key")
		in.APIKey = ""
		if _, err := s.CreateSelfHostedModel(context.Background(), tester, in); err != nil {
			t.Fatal(err)
		}
		// Nothing is encrypted yet, so any key is fine.
		if err := s.CheckEncryptionKey(context.Background(), mustBox(t, 9)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUpdateSelfHostedModelKeepsReplacesOrClearsTheKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		s = keyedStore(t, s)
		ctx := context.Background()
		m, err := s.CreateSelfHostedModel(ctx, tester, vllmModel("Mistral prod"))
		if err != nil {
			t.Fatal(err)
		}
		in := vllmModel("Mistral production")
		in.APIKey = "" // left empty on the edit form: kept
		in.Identifier = "mistralai/Mistral-7B-Instruct-v0.4"
		up, err := s.UpdateSelfHostedModel(ctx, tester, m.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if up.Name != "Mistral production" || up.APIKeyEncrypted != m.APIKeyEncrypted {
			t.Fatalf("updated %+v", up)
		}
		evs := auditsOf(t, s, "self_hosted_model_updated")
		d := auditDetails(t, evs[0])
		if len(evs) != 1 || len(d) != 2 || d["name"] == nil || d["identifier"] == nil {
			t.Fatalf("audit %v", d)
		}
		// The kept key does not follow the model to another endpoint.
		in.Endpoint = "https://vllm.internal"
		var refused models.FieldErrors
		if _, err := s.UpdateSelfHostedModel(ctx, tester, m.ID, in); !errors.As(err, &refused) ||
			refused[models.FieldModelAPIKey] != models.MsgAPIKeyForNewEndpoint || len(refused) != 1 {
			t.Fatalf("endpoint changed with the key kept: %v", err)
		}
		in.APIKey = "sk-new-key"
		if up, err = s.UpdateSelfHostedModel(ctx, tester, m.ID, in); err != nil {
			t.Fatal(err)
		}
		if key, _ := s.SelfHostedModelAPIKey(up); key != "sk-new-key" {
			t.Fatalf("key %q after replacing", key)
		}
		evs = auditsOf(t, s, "self_hosted_model_updated")
		if strings.Contains(evs[0].Details, "sk-new-key") || !strings.Contains(evs[0].Details, `"after":"replaced"`) {
			t.Fatalf("audit %s", evs[0].Details)
		}
		in.APIKey, in.ClearAPIKey = "", true
		if up, err = s.UpdateSelfHostedModel(ctx, tester, m.ID, in); err != nil {
			t.Fatal(err)
		}
		if up.HasAPIKey() {
			t.Fatal("the key was not removed")
		}
		// No change at all: no event.
		n := len(auditsOf(t, s, "self_hosted_model_updated"))
		if _, err = s.UpdateSelfHostedModel(ctx, tester, m.ID, in); err != nil || len(auditsOf(t, s, "self_hosted_model_updated")) != n {
			t.Fatalf("no-op update: %v", err)
		}
		if _, err := s.UpdateSelfHostedModel(ctx, tester, 999999, in); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
		other, _ := s.CreateSelfHostedModel(ctx, tester, vllmModel("Other"))
		in.Name = "OTHER"
		var fe models.FieldErrors
		if _, err := s.UpdateSelfHostedModel(ctx, tester, m.ID, in); !errors.As(err, &fe) || fe["name"] == "" {
			t.Fatalf("renaming onto %s: %v", other.Name, err)
		}
	})
}

func TestModelInUseCannotBeDeleted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		s = keyedStore(t, s)
		ctx := context.Background()
		m, err := s.CreateSelfHostedModel(ctx, tester, vllmModel("Mistral prod"))
		if err != nil {
			t.Fatal(err)
		}
		use := models.FeatureChoice{Provider: models.ProviderSelfHosted, ModelID: m.ID}
		// Catalog order in the message, whatever order they were chosen in.
		if err := s.SaveAIFeatureChoices(ctx, tester, map[string]models.FeatureChoice{"duo_chat": use, "code_completions": use}); err != nil {
			t.Fatal(err)
		}
		_, err = s.DeleteSelfHostedModel(ctx, tester, m.ID)
		var inUse *models.ModelInUseError
		if !errors.As(err, &inUse) || err.Error() != "Cannot delete model Mistral prod: it is used by Code completion, Duo Chat." {
			t.Fatalf("delete in use: %v", err)
		}
		if _, err := s.SelfHostedModelByID(ctx, m.ID); err != nil {
			t.Fatal("the model was deleted")
		}
		if len(auditsOf(t, s, "self_hosted_model_deleted")) != 0 {
			t.Fatal("a refused delete was audited")
		}
		free := map[string]models.FeatureChoice{"duo_chat": {Provider: models.ProviderDisabled}, "code_completions": {Provider: models.ProviderVendored}}
		if err := s.SaveAIFeatureChoices(ctx, tester, free); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteSelfHostedModel(ctx, tester, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SelfHostedModelByID(ctx, m.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("still there: %v", err)
		}
		evs := auditsOf(t, s, "self_hosted_model_deleted")
		if len(evs) != 1 || evs[0].TargetName != "Mistral prod" || strings.Contains(evs[0].Details, testAPIKey) {
			t.Fatalf("delete audit %+v", evs)
		}
		if _, err := s.DeleteSelfHostedModel(ctx, tester, m.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestAIFeatureChoices(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		s = keyedStore(t, s)
		ctx := context.Background()
		got, err := s.AIFeatureChoices(ctx)
		if err != nil || len(got) != len(models.AIFeatures) {
			t.Fatalf("%v %v", got, err)
		}
		for id, c := range got {
			if c.Provider != models.ProviderVendored {
				t.Fatalf("%s defaults to %v", id, c)
			}
		}
		m, _ := s.CreateSelfHostedModel(ctx, tester, vllmModel("Codestral"))
		var fe models.FieldErrors
		bad := map[string]models.FeatureChoice{"duo_chat": {Provider: models.ProviderSelfHosted, ModelID: m.ID + 100},
			"time_travel": {Provider: models.ProviderVendored}, "fix_code": {Provider: "magic"}}
		if err := s.SaveAIFeatureChoices(ctx, tester, bad); !errors.As(err, &fe) || fe["time_travel"] == "" || fe["fix_code"] == "" {
			t.Fatalf("bad choices: %v", err)
		}
		if err := s.SaveAIFeatureChoices(ctx, tester, map[string]models.FeatureChoice{"duo_chat": {Provider: models.ProviderSelfHosted, ModelID: m.ID + 100}}); !errors.As(err, &fe) || fe["duo_chat"] != models.MsgFeatureNoModel {
			t.Fatalf("unknown model: %v", err)
		}
		want := map[string]models.FeatureChoice{
			"code_generations":          {Provider: models.ProviderSelfHosted, ModelID: m.ID},
			"duo_chat_troubleshoot_job": {Provider: models.ProviderDisabled},
			"duo_chat":                  {Provider: models.ProviderVendored},
		}
		if err := s.SaveAIFeatureChoices(ctx, tester, want); err != nil {
			t.Fatal(err)
		}
		got, _ = s.AIFeatureChoices(ctx)
		for id, c := range want {
			if got[id] != c {
				t.Fatalf("%s = %+v, want %+v", id, got[id], c)
			}
		}
		evs := auditsOf(t, s, "ai_feature_settings_changed")
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		d := auditDetails(t, evs[0])
		gen := d["code_generations"].(map[string]any)
		if len(d) != 2 || gen["before"] != "GitLab AI vendor model" || gen["after"] != "self-hosted model Codestral" {
			t.Fatalf("details %v", d)
		}
		if err := s.SaveAIFeatureChoices(ctx, tester, want); err != nil || len(auditsOf(t, s, "ai_feature_settings_changed")) != 1 {
			t.Fatalf("saving the same choices: %v", err)
		}
	})
}

func TestSelfHostedAvailableNeedsUltimateAndDuoEnterprise(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		check := func(want bool, when string) {
			t.Helper()
			if got, err := s.SelfHostedAvailable(ctx); err != nil || got != want {
				t.Fatalf("%s: available %v (%v), want %v", when, got, err, want)
			}
		}
		check(false, "free instance")
		if err := s.SetInstancePlan(ctx, tester, models.PlanUltimate); err != nil {
			t.Fatal(err)
		}
		check(false, "Ultimate without add-on")
		today := models.Today()
		if _, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			Quantity: 5, ExpiresOn: today.AddDays(30)}); err != nil {
			t.Fatal(err)
		}
		check(false, "Ultimate with Duo Pro")
		de, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise,
			Quantity: 5, StartedAt: new(today.AddDays(-60)), ExpiresOn: today.AddDays(-1)})
		if err != nil {
			t.Fatal(err)
		}
		check(false, "Ultimate with an expired Duo Enterprise")
		if _, err := s.UpdatePurchase(ctx, tester, de.ID, models.PurchaseUpdate{ExpiresOn: new(today.AddDays(30))}); err != nil {
			t.Fatal(err)
		}
		check(true, "Ultimate with an active Duo Enterprise")
	})
}

func mustBox(t *testing.T, fill byte) *secretbox.Box {
	t.Helper()
	b, err := secretbox.New(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
