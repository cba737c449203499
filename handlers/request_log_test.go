package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/static"
)

// Every request is one JSON log line with its id, route, status, duration
// and, when signed in, the user.
func TestRequestLogLine(t *testing.T) {
	t.Parallel()
	store := storetest.SQLite(t)
	var buf bytes.Buffer
	srv := mustServer(t, handlers.Options{Store: store, Deployment: models.SelfManaged, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("s", 32), Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Static: static.FS})
	ctx := context.Background()
	u, err := store.CreateUser(ctx, models.Actor{Username: "test"}, models.UserInput{Username: "dev", Name: "Dev",
		Email: "dev@example.com", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	token, err := store.CreatePersonalAccessToken(ctx, models.ActorFor(u), u, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v4/duo/access?feature=code_suggestions", nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	req.Header.Set("X-Request-Id", "req-42")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	want := map[string]any{"level": "INFO", "msg": "request", "request_id": "req-42", "method": "GET",
		"path": "/api/v4/duo/access", "route": "/api/v4/duo/access", "status": float64(200), "user": "dev"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v: %s", k, line[k], v, buf.String())
		}
	}
	if d, ok := line["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("duration_ms %v: %s", line["duration_ms"], buf.String())
	}
	if len(line) != len(want)+2 { // + time, duration_ms
		t.Errorf("fields: %s", buf.String())
	}
}
