package models_test

import (
	"context"
	"database/sql"
	"io/fs"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"duoadmin/migrations"
	"duoadmin/models"
	"duoadmin/models/storetest"
)

// One migration history for two dialects. The two goose folders must hold
// the same versions, and migrating each dialect must give the same
// tables, columns (and whether they may be NULL), and indexes. Only
// Postgres has the triggers and functions that notify other app instances
// (the access cache) and keep derived columns, so those are listed here
// by name: adding one to a dialect only, or a migration to one folder
// only, fails this test.

// postgresOnly are the Postgres triggers and functions SQLite has no
// counterpart for, with why.
var postgresOnly = map[string]string{
	"notify_access_changed":    "function: tells every app instance that the access cache's sources changed (00012)",
	"access_changed":           "trigger: calls notify_access_changed on changes to purchases and instance settings (00012)",
	"access_changed_update":    "trigger: names what an update changed, of the columns access reads (00012, 00014, 00030)",
	"access_changed_insert":    "trigger: names the users, groups or projects an insert concerns (00030)",
	"access_changed_delete":    "trigger: names the users, groups or projects a delete concerns (00030)",
	"access_changed_truncate":  "trigger: a TRUNCATE of a table access reads retires every cached entry (00030)",
	"access_changed_send":      "function: notifies a change and marks the transaction with it (00030)",
	"notify_access_rows":       "function: the users or projects a statement changed (00030)",
	"notify_access_namespaces": "function: the groups a statement changed, top-level ones apart (00030)",
	"notify_access_row":        "function: the user a row of users or tokens concerns (00030)",
	"access_rows_named":        "function: the most rows a statement's change notification lists (00030)",
	"email_bodies_keep_used": "function and trigger: stand in for the foreign key of email_outbox.body_id, " +
		"dropped on Postgres for bulk writes; SQLite keeps its foreign key (00013)",
	"members_set_root_namespace_id":           "function: members.root_namespace_id on insert (00008)",
	"index_users_on_seat_search_text_trigram": "index: trigram search (pg_trgm); SQLite searches by scanning (00011)",
	"purchase_seat_counts_rows": "function: a statement's seats added to or taken from their purchases' counts; " +
		"SQLite's row-level triggers do it inline (00032)",
	"purchase_seat_counts_truncate": "function and trigger: a TRUNCATE of seats zeroes the counts; SQLite has no TRUNCATE (00032)",
}

// sqliteTriggers are SQLite triggers whose Postgres counterpart has
// another name (Postgres has one trigger for inserts and updates).
var sqliteTriggers = map[string]string{
	"members_root_namespace_id_insert": "members_root_namespace_id",
	"members_root_namespace_id_update": "members_root_namespace_id",
}

func migrationFiles(t *testing.T, dialect string) []string {
	t.Helper()
	entries, err := fs.ReadDir(migrations.FS, dialect)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestMigrationVersionsAgree(t *testing.T) {
	t.Parallel()
	sqlite, pg := migrationFiles(t, "sqlite"), migrationFiles(t, "postgres")
	if !slices.Equal(sqlite, pg) {
		t.Fatalf("the dialects' migrations differ:\nsqlite:   %v\npostgres: %v", sqlite, pg)
	}
}

// schema is what the test compares: table → sorted "column null|not null";
// index name → table; trigger and function names.
type schema struct {
	columns  map[string][]string
	indexes  map[string]string
	triggers []string
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sqliteSchema(t *testing.T, s *models.Store) schema {
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	sc := schema{columns: map[string][]string{}, indexes: map[string]string{}}
	for _, r := range queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`) {
		// table_xinfo: generated columns too (hidden 2 and 3), not a
		// virtual table's hidden ones (1).
		for _, c := range queryStrings(t, db, `SELECT name, "notnull", pk FROM pragma_table_xinfo(?) WHERE hidden <> 1`, r[0]) {
			// An INTEGER PRIMARY KEY is never NULL, whatever the pragma says.
			sc.columns[r[0]] = append(sc.columns[r[0]], columnLine(c[0], c[1] == "1" || c[2] != "0"))
		}
	}
	for _, r := range queryStrings(t, db, `SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'`) {
		sc.indexes[r[0]] = r[1]
	}
	for _, r := range queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'trigger'`) {
		sc.triggers = append(sc.triggers, r[0])
	}
	return sc.sorted()
}

func postgresSchema(t *testing.T, s *models.Store) (schema, []string) {
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	sc := schema{columns: map[string][]string{}, indexes: map[string]string{}}
	for _, r := range queryStrings(t, db, `SELECT table_name, column_name, is_nullable FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version'
		AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')`) {
		sc.columns[r[0]] = append(sc.columns[r[0]], columnLine(r[1], r[2] == "NO"))
	}
	// Indexes made by CREATE INDEX, not those behind a primary key or a
	// UNIQUE constraint (SQLite's autoindexes, likewise left out above).
	for _, r := range queryStrings(t, db, `SELECT i.relname, tb.relname FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class tb ON tb.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = tb.relnamespace
		WHERE n.nspname = 'public' AND tb.relname <> 'goose_db_version'
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`) {
		sc.indexes[r[0]] = r[1]
	}
	for _, r := range queryStrings(t, db, `SELECT tgname FROM pg_trigger tg JOIN pg_class tb ON tb.oid = tg.tgrelid
		JOIN pg_namespace n ON n.oid = tb.relnamespace WHERE n.nspname = 'public' AND NOT tg.tgisinternal`) {
		sc.triggers = append(sc.triggers, r[0])
	}
	var functions []string
	for _, r := range queryStrings(t, db, `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'public'
		AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`) { // not pg_trgm's own
		functions = append(functions, r[0])
	}
	sort.Strings(functions)
	return sc.sorted(), functions
}

func columnLine(name string, notNull bool) string {
	if notNull {
		return name + " not null"
	}
	return name + " null"
}

func (sc schema) sorted() schema {
	for _, cols := range sc.columns {
		sort.Strings(cols)
	}
	sort.Strings(sc.triggers)
	return sc
}

func TestMigrationDialectsAgree(t *testing.T) {
	t.Parallel()
	pgStore := storetest.PostgresOnly(t)
	lite := sqliteSchema(t, storetest.SQLite(t))
	pg, functions := postgresSchema(t, pgStore)

	for _, table := range sortedKeys(lite.columns, pg.columns) {
		l, p := lite.columns[table], pg.columns[table]
		switch {
		case l == nil:
			t.Errorf("table %s exists on Postgres only", table)
		case p == nil:
			t.Errorf("table %s exists on SQLite only", table)
		case !slices.Equal(l, p):
			t.Errorf("table %s differs:\nsqlite:   %s\npostgres: %s", table, strings.Join(l, ", "), strings.Join(p, ", "))
		}
	}
	for _, idx := range sortedKeys(lite.indexes, pg.indexes) {
		l, p := lite.indexes[idx], pg.indexes[idx]
		if _, ok := postgresOnly[idx]; ok && l == "" {
			continue
		}
		if l != p {
			t.Errorf("index %s: on table %q in SQLite, %q in Postgres", idx, l, p)
		}
	}
	// Every SQLite trigger exists on Postgres by the same name; Postgres's
	// others, and its functions, are the listed ones.
	pgTriggers, unmatched := map[string]bool{}, map[string]bool{}
	for _, name := range pg.triggers {
		pgTriggers[name], unmatched[name] = true, true
	}
	for _, name := range lite.triggers {
		if other, ok := sqliteTriggers[name]; ok {
			name = other
		}
		if !pgTriggers[name] {
			t.Errorf("trigger %s exists on SQLite only", name)
		}
		delete(unmatched, name)
	}
	for _, name := range slices.Compact(slices.Sorted(slices.Values(append(slices.Collect(maps.Keys(unmatched)), functions...)))) {
		if _, ok := postgresOnly[name]; !ok {
			t.Errorf("trigger or function %s exists on Postgres only and is not listed in postgresOnly", name)
		}
	}
}

func sortedKeys[V any](a, b map[string]V) []string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return slices.Sorted(maps.Keys(keys))
}
