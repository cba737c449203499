package models_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/accesscache"
	"duoadmin/models/storetest"
)

// counting counts the statements s runs from now on.
func counting(s *models.Store) *atomic.Int32 {
	var n atomic.Int32
	s.OnStatement(func(string) { n.Add(1) })
	return &n
}

// eventually polls cond for up to d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listening runs s's change listener until the test ends.
func listening(t *testing.T, s *models.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ListenForChanges(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, 5*time.Second, "the access cache is not live", s.AccessCacheLive)
}

// settled waits until no notification has arrived for 300 ms (those of
// earlier writes come in on their own time) and returns the count of
// changes seen.
func settled(t *testing.T, s *models.Store) uint64 {
	t.Helper()
	for g := s.AccessCacheChanges(); ; {
		time.Sleep(300 * time.Millisecond)
		now := s.AccessCacheChanges()
		if now == g {
			return g
		}
		g = now
	}
}

var appRef = models.ResourceRef{Kind: access.ResourceProject, Path: "alpha/mid/deep/app"}

func seatsOf(t *testing.T, s *models.Store, u *models.User) int {
	t.Helper()
	f, err := s.AccessFactsAsMember(context.Background(), models.GitLabCom, u, appRef)
	if err != nil {
		t.Fatal(err)
	}
	return len(f.Seats)
}

// A live cache answers again without the database, and this process's own
// transactions retire what it holds at once; a write it is not told of (no
// listener here) is not seen until the cache stops serving.
func TestAccessCacheOwnWrites(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newFoldWorld(t, s)
		proj := w.users["proj"]
		s.SetAccessCacheLive(true)
		stmts := counting(s)
		if n := seatsOf(t, s, proj); n != 0 {
			t.Fatalf("seats before: %d", n)
		}
		read := stmts.Load()
		if read == 0 {
			t.Fatal("the first read ran no statement")
		}
		if n := seatsOf(t, s, proj); n != 0 || stmts.Load() != read {
			t.Fatalf("second read: %d seats, %d statements (want 0, none)", n, stmts.Load()-read)
		}

		if _, err := s.AssignSeat(ctx, tester, w.alphaPro.ID, proj.ID); err != nil {
			t.Fatal(err)
		}
		if n := seatsOf(t, s, proj); n != 1 {
			t.Fatalf("after this process assigned a seat: %d seats, want 1", n)
		}

		db, _ := s.SQLDB()
		if _, err := db.Exec("DELETE FROM seat_assignments WHERE user_id = $1", proj.ID); err != nil {
			t.Fatal(err)
		}
		if n := seatsOf(t, s, proj); n != 1 {
			t.Fatalf("a write outside the Store, nobody listening: %d seats, want the cached 1", n)
		}
		s.SetAccessCacheLive(false)
		if n := seatsOf(t, s, proj); n != 0 {
			t.Fatalf("cache off: %d seats, want 0", n)
		}
	})
}

// Facts a caller must not be able to change through the cache, and the
// user's own fields taken from the caller, not the entry.
func TestAccessCacheEntriesAreCopies(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	ctx := context.Background()
	w := newFoldWorld(t, s)
	w.seat(t, s, w.alphaPro, "proj")
	s.SetAccessCacheLive(true)
	proj := w.users["proj"]
	f, err := s.AccessFactsAsMember(ctx, models.GitLabCom, proj, appRef)
	if err != nil || len(f.Seats) != 1 {
		t.Fatalf("%d seats, %v", len(f.Seats), err)
	}
	f.Seats[0].Active = false
	blocked := *proj
	blocked.State = models.StateBlocked
	again, err := s.AccessFactsAsMember(ctx, models.GitLabCom, &blocked, appRef)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Seats[0].Active {
		t.Error("a caller's change to its facts reached the cache")
	}
	if again.User.Active || again.User.State != string(models.StateBlocked) {
		t.Errorf("user state %q from the entry, want the caller's", again.User.State)
	}
	// Not found is kept too, and stays not found.
	other := models.ResourceRef{Kind: access.ResourceProject, Path: "alpha/top"}
	for range 2 {
		if _, err := s.AccessFactsAsMember(ctx, models.GitLabCom, proj, other); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a project proj is not a member of: %v, want ErrNotFound", err)
		}
	}
}

// Two app instances on one Postgres: what one changes, by any path, the
// other's cache stops serving once the notification arrives.
func TestAccessCacheFollowsOtherInstance(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	ctx := context.Background()
	listening(t, a)
	w := newFoldWorld(t, b)
	proj := w.users["proj"]
	settled(t, a)

	stmts := counting(a)
	if n := seatsOf(t, a, proj); n != 0 {
		t.Fatalf("seats before: %d", n)
	}
	read := stmts.Load()
	if n := seatsOf(t, a, proj); n != 0 || stmts.Load() != read {
		t.Fatalf("second read: %d seats, %d statements (want 0, none)", n, stmts.Load()-read)
	}
	w.seat(t, b, w.alphaPro, "proj") // raw SQL on the other instance
	eventually(t, 3*time.Second, "instance a still serves no seat", func() bool { return seatsOf(t, a, proj) == 1 })

	token, err := b.CreatePersonalAccessToken(ctx, tester, proj, "ide", nil)
	if err != nil {
		t.Fatal(err)
	}
	settled(t, a)
	if _, err := a.UserByToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	before := stmts.Load()
	if _, err := a.UserByToken(ctx, token); err != nil || stmts.Load() != before {
		t.Fatalf("second use of the token: %v, %d statements (want none)", err, stmts.Load()-before)
	}
	bdb, _ := b.SQLDB()
	if _, err := bdb.Exec("UPDATE personal_access_tokens SET revoked = true"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, "a revoked token still works on instance a", func() bool {
		_, err := a.UserByToken(ctx, token)
		return errors.Is(err, models.ErrNotFound)
	})
}

// Writes of columns the decision never reads notify nobody: a token's last
// use and activity stamps are written all the time.
func TestAccessCacheIgnoresActivityStamps(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	listening(t, a)
	u := mkUser(t, b, "dev", models.StateActive, false)
	if _, err := b.CreatePersonalAccessToken(context.Background(), tester, u, "ide", nil); err != nil {
		t.Fatal(err)
	}
	bdb, _ := b.SQLDB()
	settle := func() uint64 { return settled(t, a) }
	g := settle()
	for _, q := range []string{
		"UPDATE personal_access_tokens SET last_used_at = now()",
		"UPDATE users SET last_activity_on = CURRENT_DATE, last_duo_activity_on = CURRENT_DATE, last_code_suggestions_usage_at = now(), updated_at = now()",
		// The marker: this one notifies (once: the trigger is per row).
		fmt.Sprintf("UPDATE users SET state = 'blocked' WHERE id = %d", u.ID),
	} {
		if _, err := bdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 3*time.Second, "the state change was not notified", func() bool { return a.AccessCacheChanges() > g })
	if got := settle(); got != g+1 {
		t.Errorf("%d changes notified for one notifying write among three", got-g)
	}
}

// A listener whose connection is cut stops the cache at once and brings it
// back when it has listened again.
func TestAccessCacheListenerReconnects(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	listening(t, a)
	bdb, _ := b.SQLDB()
	var n int
	time.Sleep(1500 * time.Millisecond) // past its first ping
	if err := bdb.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, accesscache.ListenerApplicationName).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminated %d listener connections: %v", n, err)
	}
	eventually(t, 3*time.Second, "the cache still serves without its listener", func() bool { return !a.AccessCacheLive() })
	eventually(t, 5*time.Second, "the listener did not reconnect", a.AccessCacheLive)
}

// SQLite has no notifications: the listener returns at once and the cache
// never serves.
func TestAccessCacheOffOnSQLite(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ListenForChanges(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ListenForChanges did not return on SQLite")
	}
	if s.AccessCacheLive() {
		t.Error("the access cache is live on SQLite")
	}
}

// The instance settings the facts are refilled from follow the same
// notifications: an administrator's Always off on another instance is seen
// here well before the settings' own 5 s cache would have let it through.
func TestAccessCacheFollowsInstanceSettings(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	ctx := context.Background()
	listening(t, a)
	u := mkUser(t, b, "dev", models.StateActive, false)
	settled(t, a)
	neverOn := func() bool {
		f, err := a.AccessFacts(ctx, models.SelfManaged, u, models.ResourceRef{Kind: access.ResourceNone})
		if err != nil {
			t.Fatal(err)
		}
		return f.InstanceNeverOn
	}
	if neverOn() {
		t.Fatal("the instance is Always off before the change")
	}
	bdb, _ := b.SQLDB()
	if _, err := bdb.Exec("UPDATE instance_settings SET duo_features_enabled = false, lock_duo_features_enabled = true"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "instance a still sees GitLab Duo on", neverOn)
}

// A change that commits while a read is under way retires what that read
// found: the next read asks the database again and sees the change.
func TestAccessCacheChangeDuringRead(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	listening(t, a)
	w := newFoldWorld(t, b)
	proj := w.users["proj"]
	settled(t, a)
	var armed atomic.Bool
	a.OnStatement(func(sql string) {
		if !strings.HasPrefix(sql, "WITH") || !armed.CompareAndSwap(true, false) {
			return
		}
		// The facts statement has read; before they are kept, the other
		// instance gives proj a seat, and its notification arrives.
		g := a.AccessCacheChanges()
		w.seat(t, b, w.alphaPro, "proj")
		deadline := time.Now().Add(3 * time.Second)
		for a.AccessCacheChanges() == g && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	})
	armed.Store(true)
	if n := seatsOf(t, a, proj); n != 0 {
		t.Fatalf("the read under way: %d seats, want the 0 it read", n)
	}
	if armed.Load() {
		t.Fatal("the facts statement was not seen")
	}
	if n := seatsOf(t, a, proj); n != 1 {
		t.Fatalf("after the change: %d seats, want 1 (the read under way was kept)", n)
	}
}

// Only a transaction that wrote a table the cache depends on retires it
// at commit: sign-in throttling commits all the time and touches none.
func TestAccessCacheKeptByUnrelatedCommits(t *testing.T) {
	t.Parallel()
	s := storetest.PostgresOnly(t)
	ctx := context.Background()
	g := s.AccessCacheChanges()
	if err := s.RecordSignInFailure(ctx, models.SignInAttempt{Login: "nobody", IP: "192.0.2.1"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := s.AccessCacheChanges(); got != g {
		t.Errorf("a sign-in failure was %d changes", got-g)
	}
	mkUser(t, s, "dev", models.StateActive, false)
	if s.AccessCacheChanges() == g {
		t.Error("creating a user was no change")
	}
}

// Every column of users and personal_access_tokens that an UPDATE may set
// notifies, except those the decision never reads; a column added later
// fails here until migration 00030's list (or the exceptions) names it.
func TestAccessChangeTriggersCoverColumns(t *testing.T) {
	t.Parallel()
	s := storetest.PostgresOnly(t)
	db, _ := s.SQLDB()
	ignored := map[string][]string{
		"users": {"id", "created_at", "updated_at", "last_activity_on", "last_duo_activity_on",
			"last_code_suggestions_usage_at", "seat_search_text"},
		"personal_access_tokens": {"id", "created_at", "last_used_at"},
	}
	for table, skip := range ignored {
		rows, err := db.Query(`SELECT c.column_name FROM information_schema.columns c
			WHERE c.table_schema = 'public' AND c.table_name = $1
			AND c.column_name NOT IN (
				SELECT a.attname FROM pg_trigger tg JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = ANY(tg.tgattr)
				WHERE tg.tgrelid = $1::regclass AND tg.tgname = 'access_changed_update')
			ORDER BY 1`, table)
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		for rows.Next() {
			var col string
			if err := rows.Scan(&col); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(skip, col) {
				missing = append(missing, col)
			}
		}
		rows.Close()
		if len(missing) > 0 {
			t.Errorf("%s: an UPDATE of %v notifies nobody", table, missing)
		}
	}
}
