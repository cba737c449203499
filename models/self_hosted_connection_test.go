package models_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
)

// modelServer answers like an OpenAI-compatible server: /v1/models with
// the right bearer token, 401 otherwise. It records what it was asked.
func modelServer(t *testing.T, token string) (*httptest.Server, *[]string) {
	t.Helper()
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" auth="+r.Header.Get("Authorization")+" api-key="+r.Header.Get("api-key"))
		switch {
		case r.URL.Path == "/moved/v1/models":
			http.Redirect(w, r, "https://elsewhere.example.com/v1/models", http.StatusFound)
		case r.Header.Get("Authorization") == "Bearer "+token || r.Header.Get("api-key") == token:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"mistral"}]}`))
		default:
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestSelfHostedConnectionTest(t *testing.T) {
	t.Parallel()
	srv, seen := modelServer(t, "good-key")
	ctx := context.Background()
	m := &models.SelfHostedModel{Name: "m", Platform: models.PlatformVLLM, Endpoint: srv.URL}

	if err := models.TestSelfHostedConnection(ctx, m, "good-key", time.Second); err != nil {
		t.Fatalf("success: %v", err)
	}
	if got := (*seen)[0]; got != "GET /v1/models auth=Bearer good-key api-key=" {
		t.Fatalf("request %q", got)
	}
	// An endpoint given with its /v1 is not doubled.
	m.Endpoint = srv.URL + "/v1/"
	if err := models.TestSelfHostedConnection(ctx, m, "good-key", time.Second); err != nil || !strings.HasPrefix((*seen)[1], "GET /v1/models ") {
		t.Fatalf("/v1 endpoint: %v %v", err, *seen)
	}
	m.Endpoint = srv.URL
	err := models.TestSelfHostedConnection(ctx, m, "bad-key", time.Second)
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized: check the API key.") || strings.Contains(err.Error(), "bad-key") {
		t.Fatalf("wrong key: %v", err)
	}
	// Azure OpenAI: its own path and header.
	az := &models.SelfHostedModel{Name: "az", Platform: models.PlatformAzureOpenAI, Endpoint: srv.URL}
	if err := models.TestSelfHostedConnection(ctx, az, "good-key", time.Second); err != nil {
		t.Fatalf("azure: %v", err)
	}
	if got := (*seen)[len(*seen)-1]; got != "GET /openai/models?api-version=2024-10-21 auth= api-key=good-key" {
		t.Fatalf("azure request %q", got)
	}
	// A redirect is reported, not followed with the key.
	m.Endpoint = srv.URL + "/moved"
	if err := models.TestSelfHostedConnection(ctx, m, "good-key", time.Second); err == nil || !strings.Contains(err.Error(), "302 Found (a redirect to https://elsewhere.example.com/v1/models)") {
		t.Fatalf("redirect: %v", err)
	}
}

func TestSelfHostedConnectionTestGivesUpAtTheTimeout(t *testing.T) {
	t.Parallel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	m := &models.SelfHostedModel{Name: "slow", Platform: models.PlatformVLLM, Endpoint: slow.URL}
	start := time.Now()
	err := models.TestSelfHostedConnection(context.Background(), m, "k", 200*time.Millisecond)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("waited %s for a 200ms timeout", took)
	}
	if err == nil || !strings.Contains(err.Error(), "no answer within 200ms.") {
		t.Fatalf("timeout: %v", err)
	}
}

func TestSelfHostedConnectionTestFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A closed port on loopback: refused at once.
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	m := &models.SelfHostedModel{Name: "gone", Platform: models.PlatformVLLM, Endpoint: url}
	err := models.TestSelfHostedConnection(ctx, m, "", time.Second)
	if err == nil || !strings.Contains(err.Error(), "GET "+url+"/v1/models failed: ") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("refused: %v", err)
	}
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	m.Endpoint = notFound.URL
	if err := models.TestSelfHostedConnection(ctx, m, "", time.Second); err == nil || err.Error() != "GET "+notFound.URL+"/v1/models answered 404 Not Found." {
		t.Fatalf("404: %v", err)
	}
	bedrock := &models.SelfHostedModel{Name: "b", Platform: models.PlatformBedrock}
	if err := models.TestSelfHostedConnection(ctx, bedrock, "", time.Second); !errors.Is(err, models.ErrNoConnectionTest) {
		t.Fatalf("bedrock: %v", err)
	}
}
