package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"duoadmin/models"
	"duoadmin/models/secretbox"
)

// Options are the options of every Store made here: bcrypt at its lowest
// cost (the suite hashes thousands of passwords) and a key that lasts as
// long as the test process. Tests that need others pass their own.
func Options() models.Options {
	return models.Options{PasswordCost: bcrypt.MinCost, Secrets: testSecrets}
}

var testSecrets = secretbox.NewRandom()

// Each runs fn once per available database, as subtests named after it.
func Each(t *testing.T, fn func(t *testing.T, s *models.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if url, ok := postgresURL(t); ok {
		t.Run("postgres", func(t *testing.T) { fn(t, postgresStore(t, url)) })
	}
}

// Any returns one store: Postgres when available (it is the stricter
// engine), else SQLite. For tests that are about something else.
func Any(t testing.TB) *models.Store {
	t.Helper()
	if url, ok := postgresURL(t); ok {
		return postgresStore(t, url)
	}
	return SQLite(t)
}

// PostgresOnly returns a Postgres store or skips the test.
func PostgresOnly(t testing.TB) *models.Store {
	t.Helper()
	url, ok := postgresURL(t)
	if !ok {
		t.Skip("TEST_DATABASE_URL not set or Postgres unreachable")
	}
	return postgresStore(t, url)
}

// SQLite returns a migrated SQLite store; change, when given, edits its
// Options (a retention period, say).
func SQLite(t testing.TB, change ...func(*models.Options)) *models.Store {
	t.Helper()
	report("database: sqlite")
	path := filepath.Join(t.TempDir(), "test.db")
	opts := Options()
	for _, c := range change {
		c(&opts)
	}
	s, err := models.Open("sqlite:"+path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	pgOnce     sync.Once
	pgTemplate string
	pgErr      error
)

func postgresURL(t testing.TB) (string, bool) {
	raw := os.Getenv("TEST_DATABASE_URL")
	if raw == "" {
		report("database: postgres skipped (TEST_DATABASE_URL not set)")
		return "", false
	}
	pgOnce.Do(func() { pgTemplate, pgErr = makeTemplate(raw) })
	if pgErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("TEST_DATABASE_URL is set but Postgres is not usable: %v", pgErr)
		}
		report("database: postgres skipped (" + pgErr.Error() + ")")
		return "", false
	}
	report("database: postgres")
	return raw, true
}

// makeTemplate migrates one database per test process; each test then
// clones it, which is much faster than migrating again.
func makeTemplate(raw string) (string, error) {
	name := "duoadmin_tmpl_" + randomSuffix()
	if err := adminExec(raw, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	s, err := models.Open(withDatabase(raw, name), Options())
	if err != nil {
		return "", err
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		return "", err
	}
	return name, nil
}

func postgresStore(t testing.TB, raw string) *models.Store {
	t.Helper()
	return openPostgres(t, postgresDatabase(t, raw))
}

// postgresDatabase makes a migrated database, dropped when the test ends,
// and returns its URL.
func postgresDatabase(t testing.TB, raw string) string {
	t.Helper()
	name := "duoadmin_test_" + randomSuffix()
	if err := adminExec(raw, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, pgTemplate)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = adminExec(raw, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return withDatabase(raw, name)
}

func openPostgres(t testing.TB, dbURL string) *models.Store {
	t.Helper()
	s, err := models.Open(dbURL, Options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresTwins returns two Stores on one fresh database, as two app
// instances sharing a Postgres are; it skips the test without Postgres.
func PostgresTwins(t testing.TB) (*models.Store, *models.Store) {
	t.Helper()
	raw, ok := postgresURL(t)
	if !ok {
		t.Skip("TEST_DATABASE_URL not set or Postgres unreachable")
	}
	dbURL := postgresDatabase(t, raw)
	return openPostgres(t, dbURL), openPostgres(t, dbURL)
}

// DropTemplate removes the per-process template; call it from TestMain.
func DropTemplate() {
	if pgTemplate != "" {
		_ = adminExec(os.Getenv("TEST_DATABASE_URL"), "DROP DATABASE IF EXISTS "+pgTemplate+" WITH (FORCE)")
	}
}

func adminExec(raw, stmt string) error {
	s, err := models.Open(raw, Options())
	if err != nil {
		return err
	}
	defer s.Close()
	db, err := s.SQLDB()
	if err != nil {
		return err
	}
	_, err = db.Exec(stmt)
	return err
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var reported sync.Map

// report appends a line to $DUOADMIN_TEST_REPORT, which `make test` prints,
// so a run says which databases and whether the browser were exercised.
func report(line string) {
	path := os.Getenv("DUOADMIN_TEST_REPORT")
	if path == "" {
		return
	}
	if _, dup := reported.LoadOrStore(line, true); dup {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, strings.TrimSpace(line))
}

// Report is report for other test packages (the browser tests).
func Report(line string) { report(line) }
