package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"duoadmin/models"
)

// A stored API key is write-only: nobody can read it back. Pointing the
// model at another host while keeping the key would hand the key to that
// host at the next "Test connection", so a new endpoint needs the key again.
func TestSelfHostedEndpointChangeNeedsTheKeyAgain(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.licenseSelfHosted()
	c := a.as("admin")
	ctx := context.Background()
	m := a.mkModel("Mixtral", "http://vllm.internal:8000", "sk-original")

	form := modelForm("Mixtral")
	form.Set("endpoint", "http://collector.example.net:8000")
	form.Set("api_key", "")
	res := c.post(modelPath(m, ""), form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "api_key", "Enter the API key again: the endpoint changed.")
	if v, _ := res.Doc().Find(`input[name="endpoint"]`).Attr("value"); v != "http://collector.example.net:8000" {
		t.Fatalf("the form lost the typed endpoint: %q", v)
	}
	if strings.Contains(res.Body, "sk-original") {
		t.Fatal("the refused form shows the key")
	}
	kept, _ := a.store.SelfHostedModelByID(ctx, m.ID)
	if key, _ := a.store.SelfHostedModelAPIKey(kept); kept.Endpoint != "http://vllm.internal:8000" || key != "sk-original" {
		t.Fatalf("a refused form changed the model: %s / %q", kept.Endpoint, key)
	}
	if len(a.auditsOf("self_hosted_model_updated")) != 0 {
		t.Fatal("a refused form was audited as a change")
	}

	// With the key, or removing it, the endpoint may change.
	form.Set("api_key", "sk-for-collector")
	wantStatus(t, c.post(modelPath(m, ""), form), http.StatusSeeOther)
	up, _ := a.store.SelfHostedModelByID(ctx, m.ID)
	if key, _ := a.store.SelfHostedModelAPIKey(up); up.Endpoint != "http://collector.example.net:8000" || key != "sk-for-collector" {
		t.Fatalf("after a change with the key: %s / %q", up.Endpoint, key)
	}
	form.Set("endpoint", "http://vllm2.internal:8000")
	form.Set("api_key", "")
	form.Set("clear_api_key", "1")
	wantStatus(t, c.post(modelPath(m, ""), form), http.StatusSeeOther)
	if up, _ = a.store.SelfHostedModelByID(ctx, m.ID); up.HasAPIKey() || up.Endpoint != "http://vllm2.internal:8000" {
		t.Fatalf("after a change that removes the key: %+v", up)
	}
	// A model without a key has nothing to carry elsewhere.
	form.Del("clear_api_key")
	form.Set("endpoint", "http://vllm3.internal:8000")
	wantStatus(t, c.post(modelPath(m, ""), form), http.StatusSeeOther)
	// Other fields change freely with the key kept.
	keyed := a.mkModel("Keyed", "http://vllm.internal:8000", "sk-keyed")
	form = modelForm("Keyed renamed")
	form.Set("endpoint", "http://vllm.internal:8000")
	form.Set("api_key", "")
	wantStatus(t, c.post(modelPath(keyed, ""), form), http.StatusSeeOther)
	if up, _ = a.store.SelfHostedModelByID(ctx, keyed.ID); up.Name != "Keyed renamed" || !up.HasAPIKey() {
		t.Fatalf("rename with the key kept: %+v", up)
	}
}

// keyRecorder is a model server that records the Authorization header of
// every request it gets.
func keyRecorder(t *testing.T) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"data":[]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func TestSelfHostedTestConnectionSendsTheKeyOnlyWhereItWasSaved(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.licenseSelfHosted()
	c := a.as("admin")
	srv, seen := keyRecorder(t)
	m := a.mkModel("Mixtral", "http://vllm.internal:8000", "sk-original")
	// The endpoint changed without the key, as earlier versions allowed
	// (the form and imports kept the stored key).
	db, _ := a.store.SQLDB()
	if _, err := db.Exec(`UPDATE self_hosted_models SET endpoint = `+placeholder(a.store, 1)+` WHERE id = `+placeholder(a.store, 2),
		srv.URL, m.ID); err != nil {
		t.Fatal(err)
	}
	page := c.follow(c.post(modelPath(m, "/test_connection"), nil))
	for _, auth := range seen() {
		if auth != "" {
			t.Fatalf("the stored key went to %s, which it was not saved for: %q", srv.URL, auth)
		}
	}
	if want := "Connection to Mixtral was not tested: its API key was saved for another endpoint. Edit the model and enter the API key again."; page.Flash() != want {
		t.Fatalf("flash %q, want %q", page.Flash(), want)
	}

	// Saved again with the key, the endpoint gets it.
	form := modelForm("Mixtral")
	form.Set("endpoint", srv.URL)
	form.Set("api_key", "sk-new")
	wantStatus(t, c.post(modelPath(m, ""), form), http.StatusSeeOther)
	page = c.follow(c.post(modelPath(m, "/test_connection"), nil))
	if got := seen(); len(got) == 0 || got[len(got)-1] != "Bearer sk-new" || page.Flash() != "Successfully connected to Mixtral." {
		t.Fatalf("after saving the key: %q, flash %q", got, page.Flash())
	}
}

// placeholder is the n-th bind parameter in the store's SQL dialect.
func placeholder(s *models.Store, n int) string {
	if s.Dialect() == models.Postgres {
		return "$" + string(rune('0'+n))
	}
	return "?"
}
