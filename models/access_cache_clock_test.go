package models_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// fakeClock is the access cache's clock in these tests.
type fakeClock struct{ at atomic.Pointer[time.Time] }

func (c *fakeClock) now() time.Time  { return *c.at.Load() }
func (c *fakeClock) set(t time.Time) { c.at.Store(&t) }

// cacheRead runs read at the clock's time and reports whether it was
// answered from the cache (no statement ran).
type cacheRead func(t *testing.T) (served bool)

func readCounted(s *models.Store, read func(t *testing.T)) cacheRead {
	stmts := counting(s)
	return func(t *testing.T) bool {
		t.Helper()
		before := stmts.Load()
		read(t)
		return stmts.Load() == before
	}
}

// expiryWalk is the story every kind of entry must tell: an entry lives
// under 30 s, and never past midnight (UTC) even when it is younger.
func expiryWalk(t *testing.T, clock *fakeClock, read cacheRead) {
	t.Helper()
	noon := time.Date(2031, 3, 14, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		at     time.Time
		served bool
		why    string
	}{
		{noon, false, "first read"},
		{noon.Add(29*time.Second + 999*time.Millisecond), true, "29.999 s old"},
		{noon.Add(30 * time.Second), false, "30 s old: the TTL is over"},
		{noon.Add(31 * time.Second), true, "1 s after the re-read"},
		// A day later: long expired; the re-read is 10 s before midnight.
		{time.Date(2031, 3, 15, 23, 59, 50, 0, time.UTC), false, "a day later"},
		{time.Date(2031, 3, 15, 23, 59, 59, 999e6, time.UTC), true, "9.999 s old, same day"},
		{time.Date(2031, 3, 16, 0, 0, 0, 0, time.UTC), false, "10 s old but read yesterday: midnight expires it"},
		{time.Date(2031, 3, 16, 0, 0, 5, 0, time.UTC), true, "5 s after the re-read after midnight"},
	}
	for _, st := range steps {
		clock.set(st.at)
		if got := read(t); got != st.served {
			t.Errorf("at %s (%s): served from the cache = %v, want %v", st.at.Format(time.RFC3339Nano), st.why, got, st.served)
		}
	}
}

// The access cache's facts and token entries expire after 30 s and at
// midnight, shown with an injected clock instead of waiting.
func TestAccessCacheExpiresAfterThirtySecondsAndAtMidnight(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		w := newFoldWorld(t, s)
		proj := w.users["proj"]
		token, err := s.CreatePersonalAccessToken(context.Background(), tester, proj, "ide", nil)
		if err != nil {
			t.Fatal(err)
		}
		clock := &fakeClock{}
		clock.set(time.Date(2031, 3, 14, 11, 0, 0, 0, time.UTC))
		s.SetAccessCacheClock(clock.now)
		s.SetAccessCacheLive(true)

		t.Run("facts", func(t *testing.T) {
			expiryWalk(t, clock, readCounted(s, func(t *testing.T) {
				if n := seatsOf(t, s, proj); n != 0 {
					t.Fatalf("%d seats, want 0", n)
				}
			}))
		})
		t.Run("token", func(t *testing.T) {
			ctx := context.Background()
			// The first use, an hour before the walk, records the token's
			// last use (a write the cache ignores); from then on only the
			// token's read counts.
			clock.set(time.Date(2031, 3, 14, 11, 0, 0, 0, time.UTC))
			if _, err := s.UserByToken(ctx, token); err != nil {
				t.Fatal(err)
			}
			expiryWalk(t, clock, readCounted(s, func(t *testing.T) {
				if u, err := s.UserByToken(ctx, token); err != nil || u.ID != proj.ID {
					t.Fatalf("token: %v, %v", u, err)
				}
			}))
		})
	})
}
