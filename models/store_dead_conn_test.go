package models_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// usePool runs n reads at once, twice: every pooled connection has then
// been reused a moment ago, so pgx does not ping it before the next use
// (it pings only connections idle for over a second), as under load.
func usePool(t *testing.T, s *models.Store, n int) {
	t.Helper()
	for range 2 {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := s.SelfHostedModels(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
}

// killConnections ends every other session on the database, as a server
// restart or an administrator's pg_terminate_backend does, and waits
// until they are gone.
func killConnections(t *testing.T, from *models.Store) {
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

func TestDeadPooledConnectionsDoNotFailReads(t *testing.T) {
	t.Parallel()
	s, admin := storetest.PostgresTwins(t)
	ctx := context.Background()

	usePool(t, s, 5)
	killConnections(t, admin)
	for i := range 8 {
		if _, err := s.SelfHostedModels(ctx); err != nil {
			t.Fatalf("read %d after the connections died: %v", i, err)
		}
	}

	// A transaction finds the dead connection at BEGIN, before anything
	// happened, so it starts again on another connection: writes too.
	usePool(t, s, 5)
	killConnections(t, admin)
	for i := range 6 {
		in := vllmModel("after restart " + string(rune('a'+i)))
		in.APIKey = ""
		if _, err := s.CreateSelfHostedModel(ctx, tester, in); err != nil {
			t.Fatalf("transaction %d after the connections died: %v", i, err)
		}
	}
	if ms, _ := s.SelfHostedModels(ctx); len(ms) != 6 {
		t.Fatalf("%d models, want each write once", len(ms))
	}

	usePool(t, s, 5)
	killConnections(t, admin)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping after the connections died: %v", err)
	}
}
