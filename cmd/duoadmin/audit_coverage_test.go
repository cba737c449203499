package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
)

// The CLI's share of the audit coverage test (the routes' is in
// handlers/audit_coverage_test.go): every command, and every scheduled job
// through `jobs run`, is run against a database where it has something to
// do, and must write exactly the table's audit events, well formed. A
// command or job missing from the table fails the build.

type cliCase struct {
	args  func(f *seatsFixture) []string
	setup func(t *testing.T, f *seatsFixture)
	// empty: run on a migrated database without users (import, seed-demo).
	empty bool
	want  []string
	// atLeast: an organisation's load writes one event per thing loaded;
	// the set must contain these, each once, and only known actions.
	atLeast []string
	none    string // the command changes nothing the audit log records, and why
	skip    string // not run here, and why
}

var cliCoverage = map[string]cliCase{
	"serve": {skip: "serves the web app and API, whose every route handlers/audit_coverage_test.go runs; " +
		"its first start on an empty database loads the demo, which is seed-demo below"},
	"migrate": {none: "changes the schema only; goose records the version",
		args: func(*seatsFixture) []string { return nil }},
	"export": {none: "reads the organisation and writes a file",
		args: func(f *seatsFixture) []string { return []string{filepath.Join(f.t.TempDir(), "org.json")} }},
	"import": {empty: true, atLeast: []string{"organisation_imported"},
		args: func(*seatsFixture) []string {
			return []string{filepath.Join("..", "..", "models", "orgfile", "testdata", "small.json")}
		}},
	"seed-demo": {empty: true, atLeast: []string{"organisation_imported"},
		args: func(*seatsFixture) []string { return nil }},
	"seed-synthetic": {skip: "Postgres only (refused on SQLite, where this table runs); its one organisation_imported " +
		"event is asserted in models/synthetic_test.go"},
	"token create": {want: []string{"personal_access_token_created"},
		args: func(*seatsFixture) []string { return []string{"create", "--user", "ada"} }},
	// One event for the file (with the count); a ledger row per user.
	"seats bulk-assign": {want: []string{"seats_assigned"},
		args: func(f *seatsFixture) []string { return []string{"bulk-assign", f.csv("username\nada\ncy\n")} }},
	"seats bulk-remove": {want: []string{"seats_unassigned"}, setup: seatsFor("ada", "cy"),
		args: func(f *seatsFixture) []string { return []string{"bulk-remove", f.csv("username\nada\ncy\n")} }},
	"mail send": {none: "delivers queued mail; only the outbox rows change", setup: withMailToSend,
		args: func(*seatsFixture) []string { return []string{"send"} }},
	"usage import": {none: "usage is telemetry: it moves last-activity dates, which are not audited",
		args: func(f *seatsFixture) []string {
			path := filepath.Join(f.t.TempDir(), "usage.ndjson")
			line := `{"username":"ada","feature":"duo_chat","timestamp":"` + models.Today().String() + `T10:00:00Z"}` + "\n"
			if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
				f.t.Fatal(err)
			}
			return []string{"import", path}
		}},
	"availability export": {none: "reads the settings and prints YAML",
		args: func(*seatsFixture) []string { return []string{"export"} }},
	"availability check": {none: "compares the database with a file; a drift check writes nothing",
		args: func(f *seatsFixture) []string { return []string{"check", f.file("duo.yaml", "instance: default_on\n")} }},
	// One event for the whole file.
	"availability apply": {want: []string{"duo_availability_applied"},
		args: func(f *seatsFixture) []string {
			return []string{"apply", f.file("duo.yaml", "instance: default_off\n")}
		}},
	"jobs list": {none: "prints the schedule",
		args: func(*seatsFixture) []string { return []string{"list"} }},

	// Jobs: one seat_unassigned per seat removed, by GitLab Duo automation.
	// One of the instance's two seats is more than the mass-removal
	// guard's 10 %: the purchase raises it, or the run is held (seat_sync_held).
	"jobs run ineligible": {want: []string{"seat_unassigned"}, setup: func(t *testing.T, f *seatsFixture) {
		seatsFor("ada")(t, f)
		f.exec(t, "INSERT INTO seat_removal_guards (add_on_purchase_id, max_percent, max_seats, updated_at) VALUES ($1, 100, 25, $2)",
			f.purchID, time.Now().UTC())
		f.exec(t, "UPDATE users SET state = 'blocked' WHERE id = $1", f.ids["ada"])
	}},
	// A rule on acme's Developers, not yet synced: the three seats go to
	// the first three members in one bulk event, and the run is recorded.
	"jobs run assignment_rules": {want: []string{"seat_sync_applied", "seats_assigned"},
		setup: func(t *testing.T, f *seatsFixture) {
			f.exec(t, `INSERT INTO duo_assignment_rules (add_on_purchase_id, source_kind, source_group_id, source_value, min_access_level,
				mode, ldap_member_count, created_at, updated_at) VALUES ($1, 'group', $2, '', 30, 'assign', 0, $3, $3)`,
				f.purchID, f.acmeID, time.Now().UTC())
		}},
	"jobs run rule_queue": {none: "applies queued membership changes to the rules; with none queued it writes nothing (what a queued change does is audited as a rule sync's: seats_assigned, seat_sync_applied)"},
	"jobs run expiry": {want: []string{"seat_unassigned"}, setup: func(t *testing.T, f *seatsFixture) {
		seatsFor("ada")(t, f)
		f.exec(t, "UPDATE add_on_purchases SET expires_on = $1", models.Today().AddDays(-models.ExpiryGraceDays-2))
	}},
	"jobs run refresh": {want: []string{"seat_unassigned"}, setup: func(t *testing.T, f *seatsFixture) {
		seatsFor("ada")(t, f)
		f.exec(t, "INSERT INTO seat_removal_guards (add_on_purchase_id, max_percent, max_seats, updated_at) VALUES ($1, 100, 25, $2)",
			f.purchID, time.Now().UTC())
		f.exec(t, "UPDATE users SET state = 'banned' WHERE id = $1", f.ids["ada"])
		f.exec(t, "UPDATE add_on_purchases SET last_assigned_users_refreshed_at = NULL")
	}},
	// One seat: a per-user event (several would be one seats_unassigned).
	"jobs run overage": {want: []string{"seat_unassigned"}, setup: func(t *testing.T, f *seatsFixture) {
		seatsFor("ada", "cy")(t, f)
		f.exec(t, "UPDATE add_on_purchases SET quantity = 1")
	}},
	"jobs run usage_snapshot": {none: "writes the daily usage snapshot, telemetry like usage import: nobody changed seats or settings"},
	// A seat idle past the policy (notice period 0): noticed and reclaimed
	// in one run; the guard is raised as for the ineligible job.
	"jobs run reclaim": {want: []string{"seat_unassigned"}, setup: func(t *testing.T, f *seatsFixture) {
		seatsFor("ada")(t, f)
		f.exec(t, "INSERT INTO seat_removal_guards (add_on_purchase_id, max_percent, max_seats, updated_at) VALUES ($1, 100, 25, $2)",
			f.purchID, time.Now().UTC())
		f.exec(t, "UPDATE seat_assignments SET created_at = $1", time.Now().UTC().AddDate(0, 0, -40))
		f.exec(t, `INSERT INTO seat_reclaim_policies (add_on_purchase_id, enabled, idle_days, notice_days, updated_at)
			SELECT id, true, 30, 0, CURRENT_TIMESTAMP FROM add_on_purchases`)
	}},
	"jobs run session_cleanup": {none: "deletes expired sessions and stale sign-in counters; ending a session is audited where a person does it (sign-out is not)"},
	// Pruning deletes events and writes the one that says so.
	"jobs run audit_retention": {want: []string{"audit_events_pruned"}, setup: func(t *testing.T, f *seatsFixture) {
		t.Setenv("AUDIT_RETENTION_DAYS", "30")
		f.exec(t, "UPDATE audit_events SET created_at = $1", time.Now().UTC().AddDate(0, 0, -31))
	}},
}

func (f *seatsFixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	s := f.open()
	defer s.Close()
	db, _ := s.SQLDB()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

// file writes content to a temporary file and returns its path.
func (f *seatsFixture) file(name, content string) string {
	path := filepath.Join(f.t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return path
}

func seatsFor(names ...string) func(t *testing.T, f *seatsFixture) {
	return func(t *testing.T, f *seatsFixture) {
		t.Helper()
		s := f.open()
		defer s.Close()
		for _, n := range names {
			if _, err := s.AssignSeat(context.Background(), models.Actor{Username: "test"}, f.purchID, f.ids[n]); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func withMailToSend(t *testing.T, f *seatsFixture) {
	queueMail(t, f.url)
	port, _ := acceptOneMail(t)
	t.Setenv("SMTP_HOST", "127.0.0.1")
	t.Setenv("SMTP_PORT", strconv.Itoa(port))
}

// cliCaseKey is the table key of a command line: the command, with its
// sub-command and, for jobs, the job.
func cliCaseKeys() []string {
	var keys []string
	for _, c := range commands() {
		prefix := c.name + " "
		found := false
		for k := range cliCoverage {
			if k == c.name || strings.HasPrefix(k, prefix) {
				found = true
			}
		}
		if !found {
			keys = append(keys, c.name)
		}
	}
	return keys
}

func TestEveryCommandAndJobIsAudited(t *testing.T) {
	for _, missing := range cliCaseKeys() {
		t.Errorf("command %q: add it to the audit coverage table (cmd/duoadmin/audit_coverage_test.go) with the audit event(s) it writes", missing)
	}
	for _, j := range models.Jobs {
		if _, ok := cliCoverage["jobs run "+j.Name]; !ok {
			t.Errorf("job %q: add \"jobs run %s\" to the audit coverage table with the audit event(s) it writes", j.Name, j.Name)
		}
	}
	names := map[string]command{}
	for _, c := range commands() {
		names[c.name] = c
	}
	keys := make([]string, 0, len(cliCoverage))
	for k := range cliCoverage {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		tc := cliCoverage[key]
		t.Run(key, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			fields := strings.Fields(key)
			cmd, ok := names[fields[0]]
			if !ok {
				t.Fatalf("the table lists %q, which is not a command any more", fields[0])
			}
			t.Setenv("AUDIT_RETENTION_DAYS", "")
			f := newSeatsFixture(t, models.SelfManaged, 3, models.Date{})
			if tc.empty {
				f.exec(t, "DELETE FROM users")
				f.exec(t, "DELETE FROM namespaces")
				f.exec(t, "DELETE FROM audit_events")
			}
			if tc.setup != nil {
				tc.setup(t, f)
			}
			before := f.maxEventID(t)
			args := fields[1:]
			if tc.args != nil {
				args = tc.args(f)
			}
			if err := cmd.run(context.Background(), args); err != nil {
				t.Fatalf("%s %v: %v", fields[0], args, err)
			}
			evs := f.eventsAfter(t, before)
			got := make([]string, len(evs))
			for i, e := range evs {
				got[i] = e.Action
				wellFormedCLI(t, e)
			}
			sort.Strings(got)
			switch {
			case tc.none != "":
				if len(evs) != 0 {
					t.Errorf("listed as changing nothing auditable (%s), but wrote %v", tc.none, got)
				}
			case tc.atLeast != nil:
				for _, a := range tc.atLeast {
					if n := strings.Count(" "+strings.Join(got, " ")+" ", " "+a+" "); n != 1 {
						t.Errorf("%d %s events, want 1", n, a)
					}
				}
				for _, a := range got {
					if !slices.Contains(models.AuditActions, a) {
						t.Errorf("unknown action %q", a)
					}
				}
			default:
				want := slices.Clone(tc.want)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("wrote %v, want %v", got, want)
				}
			}
		})
	}
}

func wellFormedCLI(t *testing.T, e models.AuditEvent) {
	t.Helper()
	var d map[string]any
	switch {
	case e.Action == "":
		t.Errorf("event %d has no action", e.ID)
	case e.ActorName == "":
		t.Errorf("%s: no actor", e.Action)
	case e.TargetType == "" || (e.TargetName == "" && e.TargetID == nil):
		t.Errorf("%s: no target", e.Action)
	case json.Unmarshal([]byte(e.Details), &d) != nil:
		t.Errorf("%s: details are not a JSON object: %q", e.Action, e.Details)
	}
	if strings.HasPrefix(e.Action, "seat_unassigned") && e.ActorName == models.Automation.Username && d["reason"] == nil {
		t.Errorf("automation removed a seat without a reason: %s", e.Details)
	}
}

func (f *seatsFixture) maxEventID(t *testing.T) int64 {
	t.Helper()
	s := f.open()
	defer s.Close()
	evs, err := s.RecentAuditEvents(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[0].ID
}

func (f *seatsFixture) eventsAfter(t *testing.T, after int64) []models.AuditEvent {
	t.Helper()
	s := f.open()
	defer s.Close()
	evs, err := s.RecentAuditEvents(context.Background(), 1000000)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.AuditEvent
	for _, e := range evs {
		if e.ID > after {
			out = append(out, e)
		}
	}
	return out
}
