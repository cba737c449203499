package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
)

func (a *accessAPI) userDates(name string) (string, string) {
	a.t.Helper()
	u, err := a.store.UserByUsername(context.Background(), name)
	if err != nil {
		a.t.Fatal(err)
	}
	day, at := "", ""
	if u.LastDuoActivityOn != nil {
		day = u.LastDuoActivityOn.String()
	}
	if u.LastCodeSuggestionsUsageAt != nil {
		at = u.LastCodeSuggestionsUsageAt.UTC().Format(time.RFC3339Nano)
	}
	return day, at
}

func (a *accessAPI) auditTotal() int {
	a.t.Helper()
	evs, err := a.store.RecentAuditEvents(context.Background(), 100000)
	if err != nil {
		a.t.Fatal(err)
	}
	return len(evs)
}

func TestAPIDuoUsageEvents(t *testing.T) {
	t.Parallel()
	a := newAccessAPI(t, models.SelfManaged)
	const path = "/api/v4/duo/usage_events"
	post := func(role, body string) apiRawRes {
		t.Helper()
		r := a.api("POST", path, a.tok[role], body)
		return apiRawRes{Status: r.Status, Raw: r.Raw}
	}
	body := `{"events": [
		{"id": "e1", "username": "dev", "feature": "code_suggestions", "occurred_at": "2026-03-02T10:00:00Z", "project": "acme/web"},
		{"id": "e2", "username": "dev", "feature": "duo_chat", "occurred_at": "2026-03-04T10:00:00Z", "project": null},
		{"id": "e1", "username": "dev", "feature": "code_suggestions", "occurred_at": "2026-03-02T10:00:00Z"},
		{"id": "e3", "username": "ghost", "feature": "duo_chat", "occurred_at": "2026-03-04T10:00:00Z"},
		{"id": "e4", "username": "owner", "feature": "teleport", "occurred_at": "2026-03-04T10:00:00Z"},
		{"id": "e5", "username": "owner", "feature": "duo_chat", "occurred_at": "2026-03-04T10:00:00Z", "project": "acme/gone"},
		{"id": "e6", "username": "owner", "feature": "duo_chat", "occurred_at": "March 4th"},
		{"id": "e7", "username": "owner", "feature": ["duo_chat"], "occurred_at": "2026-03-04T10:00:00Z"},
		"e8"
	]}`
	audits := a.auditTotal()
	wantAPIJSON(t, post("admin", body), http.StatusOK, map[string]any{"accepted": 3, "rejected": []map[string]any{
		{"index": 3, "id": "e3", "error": `unknown user "ghost"`},
		{"index": 4, "id": "e4", "error": `unknown feature "teleport"`},
		{"index": 5, "id": "e5", "error": `unknown project "acme/gone"`},
		{"index": 6, "id": "e6", "error": `occurred_at is not an RFC 3339 timestamp (e.g. 2026-06-15T09:30:00Z): "March 4th"`},
		{"index": 7, "id": "e7", "error": "feature must be a string"},
		{"index": 8, "id": "", "error": "not an event object"},
	}})
	if day, at := a.userDates("dev"); day != "2026-03-04" || at != "2026-03-02T10:00:00Z" {
		t.Fatalf("dev: %s %s", day, at)
	}
	if day, at := a.userDates("owner"); day != "" || at != "" {
		t.Fatalf("owner's events were all rejected: %s %s", day, at)
	}
	if a.auditTotal() != audits {
		t.Fatal("usage is telemetry: no audit event")
	}

	// Again, plus an older event: accepted, nothing moves back.
	wantAPIJSON(t, post("admin", `{"events": [
		{"id": "e1", "username": "dev", "feature": "code_suggestions", "occurred_at": "2026-03-09T10:00:00Z"},
		{"id": "e9", "username": "dev", "feature": "code_suggestions", "occurred_at": "2026-01-01T00:00:00Z"}
	]}`), http.StatusOK, map[string]any{"accepted": 2, "rejected": []any{}})
	if day, at := a.userDates("dev"); day != "2026-03-04" || at != "2026-03-02T10:00:00Z" {
		t.Fatalf("dev moved back or re-applied: %s %s", day, at)
	}

	// Only admins.
	for _, role := range []string{"support", "owner", "dev"} {
		wantAPIJSON(t, post(role, body), http.StatusForbidden, apiMessage("403 Forbidden"))
	}
	wantAPIJSON(t, post("", body), http.StatusUnauthorized, apiMessage("401 Unauthorized"))

	// The shape of the call.
	wantAPIJSON(t, post("admin", `{"events": [`), http.StatusBadRequest, apiMessage(`The request body must be a JSON object: {"events": [...]}`))
	wantAPIJSON(t, post("admin", `[1, 2]`), http.StatusBadRequest, apiMessage(`The request body must be a JSON object: {"events": [...]}`))
	wantAPIJSON(t, post("admin", `{"events": {"id": "x"}}`), http.StatusBadRequest, apiMessage(`The request body must be a JSON object: {"events": [...]}`))
	wantAPIJSON(t, post("admin", `{}`), http.StatusBadRequest, apiMessage("events is missing"))
	wantAPIJSON(t, post("admin", `{"events": null}`), http.StatusBadRequest, apiMessage("events is missing"))
	wantAPIJSON(t, post("admin", `{"events": []}`), http.StatusOK, map[string]any{"accepted": 0, "rejected": []any{}})
}

func TestAPIDuoUsageEventsBatchLimit(t *testing.T) {
	t.Parallel()
	a := newAccessAPI(t, models.GitLabCom)
	events := make([]map[string]any, models.MaxUsageEvents)
	base := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	users := []string{"dev", "owner", "zed", "support"}
	for i := range events {
		events[i] = map[string]any{"id": fmt.Sprintf("b%05d", i), "username": users[i%4], "feature": "code_suggestions",
			"occurred_at": base.Add(time.Duration(i) * time.Second).Format(time.RFC3339), "project": nil}
	}
	b, _ := json.Marshal(map[string]any{"events": events})
	r := a.api("POST", "/api/v4/duo/usage_events", a.tok["admin"], string(b))
	if r.Status != http.StatusOK || r.Body["accepted"] != float64(models.MaxUsageEvents) || !strings.Contains(r.Raw, `"rejected":[]`) {
		t.Fatalf("%d %s", r.Status, snippet(r.Raw))
	}
	// zed's newest is event 9998.
	if day, at := a.userDates("zed"); day != "2026-02-01" || at != base.Add(9998*time.Second).Format(time.RFC3339) {
		t.Fatalf("zed: %s %s", day, at)
	}
	events = append(events, events[0])
	b, _ = json.Marshal(map[string]any{"events": events})
	wantAPI(t, a.api("POST", "/api/v4/duo/usage_events", a.tok["admin"], string(b)), http.StatusRequestEntityTooLarge,
		apiMessage("too many events: 10001; send at most 10000 per request"))
}
