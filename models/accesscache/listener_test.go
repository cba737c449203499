package accesscache

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// probeNotifications runs the listener's probe on a connection of its
// own, after LISTEN or without it.
func probeNotifications(ctx context.Context, dsn string, listen bool) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if listen {
		if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
			return err
		}
	}
	return listener{dsn: dsn, st: &State{}}.probe(ctx, conn, newProbe())
}

// The listener trusts a connection only while its own notification comes
// back through the database: one that does not deliver them (here: never
// LISTENed, as behind a transaction-pooling proxy) fails the probe. The
// probe's payload is its own, so the shared test database will do.
func TestProbe(t *testing.T) {
	dsn := os.Getenv("TEST_DATABASE_URL")
	if dsn == "" {
		t.Skip("TEST_DATABASE_URL not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := probeNotifications(ctx, dsn, true); err != nil {
		t.Fatalf("listening connection: %v", err)
	}
	if err := probeNotifications(ctx, dsn, false); err == nil {
		t.Fatal("a connection that does not listen passed the probe")
	}
}

func TestNilStateIsNeverLive(t *testing.T) {
	var st *State
	st.Invalidate()
	if st.Live() || st.Generation() != 0 {
		t.Fatal("a nil State is live or has a generation")
	}
}

func TestSetLiveRetiresEverything(t *testing.T) {
	var st State
	for _, live := range []bool{true, false} {
		g := st.Generation()
		st.SetLive(live)
		if st.Live() != live || st.Generation() != g+1 {
			t.Fatalf("SetLive(%v): live %v, generation %d after %d", live, st.Live(), st.Generation(), g)
		}
	}
}
