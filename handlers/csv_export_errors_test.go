package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// logBuffer collects the server's log lines; handlers write from their
// own goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// exportFailure is a CSV export whose database read fails at a chosen
// row. The failure is a row the Store cannot read, written behind its
// back: SQLite keeps any value in any column, so a text in a date or id
// column is stored and fails when the export scans it, which is a read
// error like any other, with no test seam in the code under test.
type exportFailure struct {
	name string
	path string
	// fill writes more rows than one export batch (1000).
	fill func(t *testing.T, a *app)
	// breakRow spoils the row read last (afterFirstBatch) or first.
	breakRow func(t *testing.T, a *app, afterFirstBatch bool)
}

func exportFailures() []exportFailure {
	return []exportFailure{{
		name: "seat utilization",
		path: smBulk + "/export.csv",
		fill: func(t *testing.T, a *app) {
			sa := &seatsApp{app: a, list: smSeats, bulk: smBulk}
			if err := a.store.SetInstancePlan(context.Background(), models.Automation, models.PlanPremium); err != nil {
				t.Fatal(err)
			}
			sa.buy(nil, models.AddOnDuoPro, 10, models.Today().AddDays(-10), models.Today().AddDays(300), false)
			sqlExec(t, a, `WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 1100)
				INSERT INTO users (username, name, email) SELECT 'bulk' || x, 'Bulk User ' || x, 'bulk' || x || '@example.com' FROM g`)
		},
		breakRow: func(t *testing.T, a *app, afterFirstBatch bool) {
			// In id order the harness's users come first, then bulk1…1100.
			which := "max"
			if !afterFirstBatch {
				which = "min"
			}
			sqlExec(t, a, "UPDATE users SET last_activity_on = 'not a date' WHERE id = (SELECT "+which+"(id) FROM users WHERE username LIKE 'bulk%')")
		},
	}, {
		name: "audit events",
		path: "/admin/audit_events/export.csv",
		fill: func(t *testing.T, a *app) {
			sqlExec(t, a, `WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 1100)
				INSERT INTO audit_events (actor_name, action, target_type, target_name, details, created_at)
				SELECT 'admin', 'feature_flag_changed', 'FeatureFlag', 'flag_' || x, '{}', $1 FROM g`, time.Now().UTC())
		},
		breakRow: func(t *testing.T, a *app, afterFirstBatch bool) {
			which := "min" // newest first: the oldest comes last
			if !afterFirstBatch {
				which = "max"
			}
			sqlExec(t, a, "UPDATE audit_events SET actor_id = 'not an id' WHERE id = (SELECT "+which+"(id) FROM audit_events)")
		},
	}}
}

func sqlExec(t *testing.T, a *app, q string, args ...any) {
	t.Helper()
	db, err := a.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func exportAs(t *testing.T, c *client, path, requestID string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.http.URL+path, nil)
	req.Header.Set("X-Request-Id", requestID)
	res, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// A read that fails after rows went out cannot change the status any more:
// the download must break (the chunked body never ends), so the browser
// reports a failed download instead of saving a short file, and the log
// says why with the request id.
func TestCSVExportFailingMidStreamBreaksTheDownload(t *testing.T) {
	t.Parallel()
	for _, tc := range exportFailures() {
		t.Run(tc.name, func(t *testing.T) {
			var logs logBuffer
			a := newAppLogging(t, storetest.SQLite(t), models.SelfManaged, slog.New(slog.NewJSONHandler(&logs, nil)))
			tc.fill(t, a)
			tc.breakRow(t, a, true)
			res := exportAs(t, a.as("admin"), tc.path, "csv-mid-stream-1")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: the first batch should have gone out", res.StatusCode)
			}
			body, err := io.ReadAll(res.Body)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("reading the body: %v after %d bytes (%d lines); want a broken download, not a complete-looking file",
					err, len(body), bytes.Count(body, []byte("\n")))
			}
			if lines := bytes.Count(body, []byte("\n")); lines < 1000 {
				t.Fatalf("only %d lines arrived before the break; the first batch should have", lines)
			}
			wantErrorLogged(t, &logs, "csv-mid-stream-1")
			// The request still has its one line in the request log (and
			// so in the metrics), marked aborted.
			if !logHas(&logs, `"msg":"request"`, `"request_id":"csv-mid-stream-1"`, `"aborted":true`) {
				t.Fatalf("no request line for the broken download:\n%s", logs.String())
			}
		})
	}
}

// logHas: one log line contains all of parts.
func logHas(logs *logBuffer, parts ...string) bool {
	for _, line := range strings.Split(logs.String(), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// A read that fails before anything went out is an ordinary error: a 500
// page, not a CSV holding only its header.
func TestCSVExportFailingBeforeTheFirstRowIsAnErrorPage(t *testing.T) {
	t.Parallel()
	for _, tc := range exportFailures() {
		t.Run(tc.name, func(t *testing.T) {
			var logs logBuffer
			a := newAppLogging(t, storetest.SQLite(t), models.SelfManaged, slog.New(slog.NewJSONHandler(&logs, nil)))
			tc.fill(t, a)
			tc.breakRow(t, a, false)
			res := exportAs(t, a.as("admin"), tc.path, "csv-first-row-1")
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500: %.200s", res.StatusCode, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || res.Header.Get("Content-Disposition") != "" {
				t.Fatalf("Content-Type %q, Content-Disposition %q: the error page must not be a download", ct, res.Header.Get("Content-Disposition"))
			}
			if strings.Contains(string(body), "username,name,email") || strings.Contains(string(body), "ID,Time,Author") {
				t.Fatalf("the error page holds CSV: %.300s", body)
			}
			wantErrorLogged(t, &logs, "csv-first-row-1")
		})
	}
}

func wantErrorLogged(t *testing.T, logs *logBuffer, requestID string) {
	t.Helper()
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) && strings.Contains(line, `"request_id":"`+requestID+`"`) &&
			strings.Contains(line, `"error":`) {
			return
		}
	}
	t.Fatalf("no error logged with request id %s:\n%s", requestID, logs.String())
}
