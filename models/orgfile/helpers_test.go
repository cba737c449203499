package orgfile_test

import (
	"bytes"
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/secretbox"
)

// Helpers the models tests have too; the import tests moved here with the code.

var tester = models.Actor{ID: 0, Username: "tester"}

const testAPIKey = "sk-live-0123456789abcdef"

func vllmModel(name string) models.SelfHostedModelInput {
	return models.SelfHostedModelInput{Name: name, Platform: models.PlatformVLLM, ModelFamily: models.FamilyMistral,
		Endpoint: "http://vllm.internal:8000/v1", Identifier: "mistralai/Mistral-7B-Instruct-v0.3", APIKey: testAPIKey}
}

// keyedStore is a store with an encryption key, as serve sets one.
func keyedStore(t *testing.T, s *models.Store) *models.Store {
	b, err := secretbox.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s.WithSecretBox(b)
}

func sqlCount(t *testing.T, s *models.Store, q string) int {
	t.Helper()
	db, _ := s.SQLDB()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func latestAudit(t *testing.T, s *models.Store, action string) *models.AuditEvent {
	t.Helper()
	evs, err := s.RecentAuditEvents(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if evs[i].Action == action {
			return &evs[i]
		}
	}
	return nil
}
