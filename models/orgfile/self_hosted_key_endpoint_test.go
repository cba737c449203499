package orgfile_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/storetest"
)

// A file has no field for an API key, so an import that moves a keyed
// model to another endpoint would keep the old key for the new host.
func TestImportCannotMoveAKeyedModelToAnotherEndpoint(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		s = keyedStore(t, s)
		ctx := context.Background()
		keyed, err := s.CreateSelfHostedModel(ctx, tester, vllmModel("Mistral prod"))
		if err != nil {
			t.Fatal(err)
		}
		bare := vllmModel("Mistral dev")
		bare.APIKey = ""
		if _, err := s.CreateSelfHostedModel(ctx, tester, bare); err != nil {
			t.Fatal(err)
		}
		file := `{"self_hosted_models": [
			{"name": "Mistral dev", "platform": "vllm", "model_family": "mistral", "endpoint": "http://vllm-dev.internal:8000/v1", "identifier": "i"},
			{"name": "mistral PROD", "platform": "vllm", "model_family": "mistral", "endpoint": "http://collector.example.net/v1", "identifier": "i"}]}`
		doc, err := orgfile.ParseDocument("t.json", strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = orgfile.Import(ctx, s, orgfile.ImportActor, "t.json", doc)
		var ie *orgfile.ImportErrors
		if !errors.As(err, &ie) || len(ie.Problems) != 1 ||
			!strings.HasPrefix(err.Error(), "t.json: self_hosted_models[1].endpoint: Mistral prod has an API key, which a file cannot carry") {
			t.Fatalf("want one error on self_hosted_models[1].endpoint, got %v", err)
		}
		after, _ := s.SelfHostedModelByID(ctx, keyed.ID)
		if after.Endpoint != keyed.Endpoint || after.Identifier != keyed.Identifier || after.APIKeyEncrypted != keyed.APIKeyEncrypted {
			t.Fatalf("a refused import changed the model: %+v", after)
		}

		// The same file for models without a key goes through.
		if _, err := s.UpdateSelfHostedModel(ctx, tester, keyed.ID, models.SelfHostedModelInput{Name: "Mistral prod",
			Platform: models.PlatformVLLM, ModelFamily: models.FamilyMistral, Endpoint: keyed.Endpoint, Identifier: "i",
			ClearAPIKey: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := orgfile.Import(ctx, s, orgfile.ImportActor, "t.json", doc); err != nil {
			t.Fatal(err)
		}
		if after, _ = s.SelfHostedModelByID(ctx, keyed.ID); after.Endpoint != "http://collector.example.net/v1" {
			t.Fatalf("import of a model without a key: %+v", after)
		}
	})
}
