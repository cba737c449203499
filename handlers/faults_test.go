package handlers_test

import (
	"net/http"
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
