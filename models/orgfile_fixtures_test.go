package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/orgfile"
)

// The store tests load their fixtures as organisation files.

func parseString(t *testing.T, js string) *orgfile.Document {
	t.Helper()
	doc, err := orgfile.ParseDocument("t.json", strings.NewReader(js))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func mustImport(t *testing.T, s *models.Store, doc *orgfile.Document) *orgfile.ImportResult {
	t.Helper()
	res, err := orgfile.Import(context.Background(), s, orgfile.ImportActor, "t.json", doc)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

// seatFile has both kinds of purchase: acme's (GitLab.com) and the
// instance's (namespace null).
const seatFile = `{
  "instance": {"plan": "ultimate", "duo_core_enabled": true},
  "users": [
    {"username": "olga", "name": "Olga", "email": "olga@example.com", "last_code_suggestions_usage_at": "2026-05-01T10:15:30.123456Z"},
    {"username": "sven", "name": "Sven", "email": "sven@example.com", "last_code_suggestions_usage_at": null},
    {"username": "nina", "name": "Nina", "email": "nina@example.com"}
  ],
  "groups": [
    {"path": "acme", "name": "Acme", "plan": "ultimate", "duo_core_enabled": true},
    {"path": "acme/sub", "name": "Sub"}
  ],
  "members": [
    {"user": "olga", "source": "acme", "access_level": "owner"},
    {"user": "sven", "source": "acme/sub", "access_level": "guest"}
  ],
  "subscriptions": [
    {"name": "A-S00012345", "namespace": "acme", "plan": "ultimate", "seats": 50, "starts_on": "2026-01-01", "ends_on": "2027-01-01"},
    {"name": "A-S00099999", "namespace": null, "plan": "ultimate", "seats": 20, "starts_on": "2026-02-01", "ends_on": "2027-02-01"}
  ],
  "add_on_purchases": [
    {"namespace": "acme", "add_on": "duo_enterprise", "quantity": 10, "started_at": "2026-01-01", "expires_on": "2027-01-01", "trial": false, "purchase_xid": "A-S00012345"},
    {"namespace": null, "add_on": "duo_pro", "quantity": 3, "started_at": null, "expires_on": "2027-02-01", "trial": true, "purchase_xid": "A-S00099999"}
  ],
  "assignments": [
    {"user": "olga", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-03-04T05:06:07Z"},
    {"user": "sven", "add_on": "duo_enterprise", "namespace": "acme"},
    {"user": "nina", "add_on": "duo_pro", "namespace": null, "assigned_at": "2026-04-01T00:00:00Z"}
  ]
}`

func importProblems(t *testing.T, s *models.Store, js string) []string {
	t.Helper()
	_, err := orgfile.Import(context.Background(), s, orgfile.ImportActor, "t.json", parseString(t, js))
	var ie *orgfile.ImportErrors
	if !errors.As(err, &ie) {
		t.Fatalf("want *ImportErrors, got %v", err)
	}
	return ie.Lines()
}

func wantProblems(t *testing.T, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("missing %q in\n%s", w, strings.Join(got, "\n"))
		}
	}
}

var importTables = []string{"users", "namespaces", "projects", "members", "group_group_links", "project_group_links", "audit_events"}

func countRows(t *testing.T, s *models.Store) map[string]int {
	t.Helper()
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, table := range importTables {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// snapshot is every imported row's id with what changes when it is written.
func snapshot(t *testing.T, s *models.Store) map[string][]string {
	t.Helper()
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for table, cols := range map[string]string{
		"users": "updated_at", "namespaces": "updated_at", "projects": "updated_at", "members": "updated_at",
		"group_group_links": "group_access", "project_group_links": "group_access", "instance_settings": "updated_at",
	} {
		rows, err := db.Query("SELECT CAST(id AS TEXT) || ' ' || CAST(" + cols + " AS TEXT) FROM " + table + " ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], v)
		}
		rows.Close()
	}
	return out
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
