package models_test

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func TestPruneAuditEventsDeletesOldOnesAndAuditsItself(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		insertAuditEvents(t, s, 10)
		db, _ := s.SQLDB()
		now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		// 4 events 91 days old, 6 of yesterday.
		if _, err := db.Exec(`UPDATE audit_events SET created_at = $1 WHERE id IN (SELECT id FROM audit_events ORDER BY id LIMIT 4)`,
			now.AddDate(0, 0, -91)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE audit_events SET created_at = $1 WHERE created_at > $2`, now.AddDate(0, 0, -1), now.AddDate(0, 0, -2)); err != nil {
			t.Fatal(err)
		}
		if n, _, err := s.PruneAuditEvents(ctx, now, 0); err != nil || n != 0 {
			t.Fatalf("unlimited retention pruned %d (%v)", n, err)
		}
		n, cutoff, err := s.PruneAuditEvents(ctx, now, 90)
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 || !cutoff.Equal(now.AddDate(0, 0, -90)) {
			t.Fatalf("pruned %d before %s", n, cutoff)
		}
		if got := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'feature_flag_changed'"); got != 6 {
			t.Errorf("%d events left, want 6", got)
		}
		evs := listAll(t, s, models.AuditFilter{Actions: []string{"audit_events_pruned"}})
		if len(evs) != 1 {
			t.Fatalf("%d audit_events_pruned events", len(evs))
		}
		e := evs[0]
		var d map[string]any
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			t.Fatal(err)
		}
		if e.ActorName != models.Automation.Username || e.ActorID != nil || d["count"] != float64(4) ||
			d["cutoff"] != "2025-03-03T12:00:00Z" || d["retention_days"] != float64(90) {
			t.Errorf("pruning event: %+v %s", e, e.Details)
		}
		// Nothing left to prune writes nothing.
		if n, _, err := s.PruneAuditEvents(ctx, now, 90); err != nil || n != 0 {
			t.Fatalf("second prune: %d, %v", n, err)
		}
		if got := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'audit_events_pruned'"); got != 1 {
			t.Errorf("%d pruning events after an empty prune", got)
		}
	})
}

func TestAuditRetentionJobReadsTheSetting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fortyDaysOld := func(s *models.Store) {
		insertAuditEvents(t, s, 3)
		db, _ := s.SQLDB()
		if _, err := db.Exec(`UPDATE audit_events SET created_at = $1`, time.Now().UTC().AddDate(0, 0, -40)); err != nil {
			t.Fatal(err)
		}
	}
	job, ok := models.JobByName("audit_retention")
	if !ok || job.Every != 24*time.Hour {
		t.Fatalf("audit_retention job: %+v %v", job, ok)
	}
	forever := storetest.SQLite(t)
	fortyDaysOld(forever)
	if _, err := job.Run(ctx, forever, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := sqlCount(t, forever, "SELECT count(*) FROM audit_events"); got != 3 {
		t.Fatalf("unlimited retention deleted events: %d left", got)
	}
	s := storetest.SQLite(t, func(o *models.Options) { o.AuditRetentionDays = 30 })
	fortyDaysOld(s)
	summary, err := job.Run(ctx, s, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "deleted 3 audit event(s)") {
		t.Errorf("summary %q", summary)
	}
	if got := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'audit_events_pruned'"); got != 1 {
		t.Errorf("%d pruning events", got)
	}
}

// TestAuditEventsAreAppendOnly: no function in models/ but the pruning one
// updates or deletes audit events, and the Store has no method to.
func TestAuditEventsAreAppendOnly(t *testing.T) {
	t.Parallel()
	writes := []*regexp.Regexp{
		regexp.MustCompile(`(?is)\b(delete\s+from|update)\s+audit_events\b`),
		regexp.MustCompile(`(?s)Delete\(\s*&?\[?\]?(models\.)?AuditEvent\b`),
		regexp.MustCompile(`(?s)Model\(\s*&?\[?\]?AuditEvent\{\}\)[^;\n]*\.(Update|Updates|UpdateColumn|UpdateColumns|Delete)\(`),
		regexp.MustCompile(`(?s)Table\(\s*"audit_events"\s*\)[^;\n]*\.(Update|Updates|UpdateColumn|UpdateColumns|Delete)\(`),
		regexp.MustCompile(`(?s)Save\(\s*&?(ev|event|e)\b`),
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	pruners := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			body := string(src[fset.Position(fn.Body.Pos()).Offset:fset.Position(fn.Body.End()).Offset])
			for _, re := range writes {
				if !re.MatchString(body) {
					continue
				}
				if path == "audit_retention.go" && fn.Name.Name == "PruneAuditEvents" {
					pruners++
					continue
				}
				t.Errorf("%s: %s changes audit events (%s): they are append-only; only PruneAuditEvents deletes them",
					path, fn.Name.Name, re.FindString(body))
			}
		}
	}
	if pruners != 1 {
		t.Errorf("the check did not see PruneAuditEvents' delete (%d): its patterns are stale", pruners)
	}
	st := reflect.TypeOf(&models.Store{})
	verbs := regexp.MustCompile(`^(Update|Delete|Edit|Remove|Set|Change|Purge|Truncate|Clear|Prune)`)
	for i := 0; i < st.NumMethod(); i++ {
		name := st.Method(i).Name
		if strings.Contains(name, "Audit") && verbs.MatchString(name) && name != "PruneAuditEvents" {
			t.Errorf("Store.%s looks like it changes audit events: they are append-only", name)
		}
	}
}
