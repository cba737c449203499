package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// terminateOthers ends every other session on the database, as a
// Postgres restart or pg_terminate_backend does, and waits until they are
// gone.
func terminateOthers(t *testing.T, from *models.Store) {
	t.Helper()
	db, _ := from.SQLDB()
	const others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
	if _, err := db.Exec("SELECT pg_terminate_backend(pid) " + others); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var n int
		if err := db.QueryRow("SELECT count(*) " + others).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still alive", n)
		}
	}
}

// Pages keep working, and readiness stays up, when the pooled Postgres
// connections die under the running server.
func TestDeadPostgresConnectionsFailNoRequest(t *testing.T) {
	t.Parallel()
	store, other := storetest.PostgresTwins(t)
	a := newApp(t, store, models.SelfManaged)
	c := a.as("admin")
	// Several pages at once, twice: the pool holds several connections,
	// each used a moment ago (pgx pings only those idle for over a second).
	for range 2 {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { c.get("/admin/users") })
		}
		wg.Wait()
	}
	terminateOthers(t, other)
	for range 3 {
		wantStatus(t, c.get("/-/readiness"), http.StatusOK)
	}
	for range 4 {
		c.get("/admin/users")
	}
	terminateOthers(t, other)
	for i := range 6 {
		if res := c.get("/admin/users"); res.StatusCode != http.StatusOK {
			t.Fatalf("page %d after the connections died: status %d\n%s", i, res.StatusCode, snippet(res.Body))
		}
	}
}

// An SQLite file deleted or replaced under the running server: readiness
// fails, so traffic moves elsewhere, and writes are refused with 503
// instead of landing in a file nobody will read again.
func TestSQLiteFileDeletedOrReplacedUnderTheServer(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"deleted", "replaced"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "duo.db")
			store := openSQLiteFile(t, path)
			a := newApp(t, store, models.SelfManaged)
			c := a.as("admin")
			wantStatus(t, c.get("/-/readiness"), http.StatusOK)
			tok := c.csrf()
			if how == "deleted" {
				for _, f := range []string{path, path + "-wal", path + "-shm"} {
					_ = os.Remove(f)
				}
			} else {
				openSQLiteFile(t, filepath.Join(dir, "restore.db")).Close()
				if err := os.Rename(filepath.Join(dir, "restore.db"), path); err != nil {
					t.Fatal(err)
				}
			}
			res := c.get("/-/readiness")
			wantStatus(t, res, http.StatusServiceUnavailable)
			if !strings.Contains(res.Body, `"message":"database file deleted or replaced: restart the server"`) {
				t.Fatalf("readiness body %s", res.Body)
			}
			res = c.postRaw("/admin/feature_flags", url.Values{"authenticity_token": {tok}, "name": {models.FlagSeatEmailsSM}, "enabled": {"0"}})
			wantStatus(t, res, http.StatusServiceUnavailable)
		})
	}
}

func openSQLiteFile(t *testing.T, path string) *models.Store {
	t.Helper()
	s, err := models.Open("sqlite:"+path, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
