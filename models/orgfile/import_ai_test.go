package orgfile_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/storetest"
)

func TestExportAndImportSelfHostedModelsWithoutKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		s = keyedStore(t, s)
		ctx := context.Background()
		m, err := s.CreateSelfHostedModel(ctx, tester, vllmModel("Mistral prod"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveAIFeatureChoices(ctx, tester, map[string]models.FeatureChoice{
			"duo_chat": {Provider: models.ProviderSelfHosted, ModelID: m.ID}, "fix_code": {Provider: models.ProviderDisabled},
		}); err == nil {
			t.Fatal("fix_code is not a feature id; want an error")
		}
		if err := s.SaveAIFeatureChoices(ctx, tester, map[string]models.FeatureChoice{
			"duo_chat": {Provider: models.ProviderSelfHosted, ModelID: m.ID}, "duo_chat_fix_code": {Provider: models.ProviderDisabled},
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveInstanceAISettings(ctx, tester, models.InstanceAIInput{DuoChatExpirationDays: new(14),
			AILogsEnabled: new(true), AIGatewayURL: new("http://gw.internal:5052")}); err != nil {
			t.Fatal(err)
		}
		doc, err := orgfile.Export(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := orgfile.WriteDocument(&buf, doc); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.Contains(out, testAPIKey) || strings.Contains(out, m.APIKeyEncrypted) || strings.Contains(out, "api_key") {
			t.Fatalf("the export holds the API key:\n%s", out)
		}
		for _, want := range []string{`"self_hosted_models": [`, `"name": "Mistral prod"`, `"platform": "vllm"`,
			`"model_family": "mistral"`, `"endpoint": "http://vllm.internal:8000/v1"`, `"identifier": "mistralai/Mistral-7B-Instruct-v0.3"`,
			`"feature": "duo_chat",` + "\n" + `      "provider": "self_hosted",` + "\n" + `      "model": "Mistral prod"`,
			`"duo_chat_expiration_days": 14`, `"ai_logs_enabled": true`, `"ai_gateway_url": "http://gw.internal:5052"`,
			`"duo_chat_expiration_column": "last_updated_at"`, `"direct_code_suggestions_enabled": true`} {
			if !strings.Contains(out, want) {
				t.Fatalf("export lacks %s:\n%s", want, out)
			}
		}
		// Importing the export back changes nothing and keeps the key.
		res, err := orgfile.Import(ctx, s, orgfile.ImportActor, "export.json", doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range []string{"self_hosted_models", "ai_feature_settings", "instance"} {
			if c := res.Count(sec); c.Created+c.Updated != 0 {
				t.Fatalf("%s: %+v on a round trip", sec, c)
			}
		}
		if again, _ := s.SelfHostedModelByID(ctx, m.ID); again.APIKeyEncrypted != m.APIKeyEncrypted {
			t.Fatal("the import changed the stored key")
		}

		// Into an empty database: models arrive without a key, choices follow.
		fresh := keyedStore(t, storetest.SQLite(t))
		parsed, err := orgfile.ParseDocument("export.json", strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := orgfile.Import(ctx, fresh, orgfile.ImportActor, "export.json", parsed); err != nil {
			t.Fatal(err)
		}
		ms, _ := fresh.SelfHostedModels(ctx)
		if len(ms) != 1 || ms[0].Name != "Mistral prod" || ms[0].HasAPIKey() || ms[0].Endpoint != m.Endpoint {
			t.Fatalf("imported %+v", ms)
		}
		choices, _ := fresh.AIFeatureChoices(ctx)
		if choices["duo_chat"] != (models.FeatureChoice{Provider: models.ProviderSelfHosted, ModelID: ms[0].ID}) ||
			choices["duo_chat_fix_code"].Provider != models.ProviderDisabled {
			t.Fatalf("imported choices %v", choices)
		}
		st, _ := fresh.InstanceSettings(ctx)
		if st.DuoChatExpirationDays != 14 || !st.AILogsEnabled || st.AIGatewayURL != "http://gw.internal:5052" {
			t.Fatalf("imported settings %+v", st)
		}
	})
}

func TestImportRejectsAPIKeysAndBadAIRows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		// There is no field for a key: it cannot travel in a file.
		_, err := orgfile.ParseDocument("t.json", strings.NewReader(`{"self_hosted_models": [{"name": "m", "platform": "vllm",
			"model_family": "gpt", "endpoint": "http://x", "identifier": "i", "api_key": "sk-1"}]}`))
		var ie *orgfile.ImportErrors
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "self_hosted_models[0].api_key: unknown field") {
			t.Fatalf("api_key in a file: %v", err)
		}
		file := `{"instance": {"duo_chat_expiration_days": 45, "duo_chat_expiration_column": "never", "ai_gateway_url": "gw.internal"},
			"self_hosted_models": [
				{"name": "m", "platform": "ollama", "model_family": "gpt", "endpoint": "http://x", "identifier": "i"},
				{"name": "M", "platform": "vllm", "model_family": "gpt", "identifier": "i"}],
			"ai_feature_settings": [
				{"feature": "duo_chat", "provider": "self_hosted", "model": "nope"},
				{"feature": "duo_chat", "provider": "vendored", "model": "m"},
				{"feature": "teleport", "provider": "cloud"}]}`
		doc, err := orgfile.ParseDocument("t.json", strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = orgfile.Import(ctx, s, orgfile.ImportActor, "t.json", doc)
		if !errors.As(err, &ie) {
			t.Fatalf("want import errors, got %v", err)
		}
		for _, want := range []string{
			"t.json: instance.duo_chat_expiration_days: " + models.MsgChatExpirationDays,
			"t.json: instance.duo_chat_expiration_column: " + models.MsgChatExpirationColumn,
			"t.json: instance.ai_gateway_url: " + models.MsgAIGatewayURL,
			"t.json: self_hosted_models[0].platform: must be vLLM, Amazon Bedrock or Azure OpenAI",
			"t.json: self_hosted_models[1].endpoint: can't be blank (only Amazon Bedrock models need no endpoint)",
			"t.json: self_hosted_models[1].name: duplicate of self_hosted_models[0]",
			"t.json: ai_feature_settings[0].model: no self-hosted model nope in the file or the database",
			"t.json: ai_feature_settings[1].feature: duplicate of ai_feature_settings[0]",
			"t.json: ai_feature_settings[1].model: must be empty unless provider is self_hosted",
			"t.json: ai_feature_settings[2].provider: not a provider (vendored, self_hosted, disabled)",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("missing %q in\n%s", want, err)
			}
		}
		if !strings.Contains(err.Error(), "ai_feature_settings[2].feature: not an AI-powered feature") {
			t.Errorf("unknown feature not reported:\n%s", err)
		}
	})
}

func TestImportForcesExperimentOffWithAlwaysOff(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		doc, err := orgfile.ParseDocument("t.json", strings.NewReader(`{"instance": {"duo_availability": "never_on", "experiment_features_enabled": true}}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := orgfile.Import(ctx, s, orgfile.ImportActor, "t.json", doc); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.InstanceSettings(ctx); st.ExperimentFeaturesEnabled {
			t.Fatal("experiment features on while GitLab Duo is Always off")
		}
	})
}
