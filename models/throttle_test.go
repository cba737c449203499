package models_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func lockedUntil(t *testing.T, s *models.Store, a models.SignInAttempt, now time.Time) time.Time {
	t.Helper()
	until, err := s.SignInLockedUntil(context.Background(), a, now)
	if err != nil {
		t.Fatal(err)
	}
	return until
}

func fail(t *testing.T, s *models.Store, a models.SignInAttempt, now time.Time) {
	t.Helper()
	if err := s.RecordSignInFailure(context.Background(), a, now); err != nil {
		t.Fatal(err)
	}
}

func TestSignInThrottleCountsPerAccountAndAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		dev := mkUser(t, s, "dev", models.StateActive, false)
		now := time.Now().UTC().Truncate(time.Second)
		// The account's counter, whatever login named it, from many addresses.
		for i, login := range []string{"dev", "DEV", "dev@example.com", "Dev", "DEV@EXAMPLE.COM"} {
			a := models.SignInAttempt{User: dev, Login: login, IP: "192.0.2." + string(rune('1'+i))}
			if !lockedUntil(t, s, a, now).IsZero() {
				t.Fatalf("locked after %d failures", i)
			}
			fail(t, s, a, now.Add(time.Duration(i)*time.Second))
		}
		a := models.SignInAttempt{User: dev, Login: "dev", IP: "198.51.100.1"}
		if got, want := lockedUntil(t, s, a, now.Add(time.Minute)), now.Add(4*time.Second+models.SignInLockout); !got.Equal(want) {
			t.Fatalf("locked until %s, want %s", got, want)
		}
		if !lockedUntil(t, s, a, now.Add(4*time.Second+models.SignInLockout)).IsZero() {
			t.Fatal("still locked after the lockout")
		}
		// The lock started a new count: one more failure does not lock again.
		fail(t, s, a, now.Add(models.SignInLockout+10*time.Second))
		if !lockedUntil(t, s, a, now.Add(models.SignInLockout+11*time.Second)).IsZero() {
			t.Fatal("one failure after the lockout locked the account again")
		}
		// A success clears the account's counter.
		if err := s.ClearSignInFailures(context.Background(), dev); err != nil {
			t.Fatal(err)
		}

		// One address, many logins: locked at its own, higher, limit, for
		// every account.
		later := now.Add(time.Hour)
		for i := range models.MaxSignInFailuresPerIP {
			fail(t, s, models.SignInAttempt{Login: "nobody" + string(rune('a'+i%26)) + string(rune('a'+i/26)), IP: "203.0.113.5"}, later)
		}
		if lockedUntil(t, s, models.SignInAttempt{User: dev, Login: "dev", IP: "203.0.113.5"}, later).IsZero() {
			t.Fatal("the address is not locked")
		}
		if !lockedUntil(t, s, models.SignInAttempt{User: dev, Login: "dev", IP: "203.0.113.6"}, later).IsZero() {
			t.Fatal("another address is locked")
		}

		// Fewer than the limit in any window never lock: the count starts
		// again with the first failure after the window.
		other := mkUser(t, s, "other", models.StateActive, false)
		gap := models.SignInFailureWindow/time.Duration(models.MaxSignInFailures-2) + time.Second
		for i := range 3 * models.MaxSignInFailures {
			at := later.Add(time.Duration(i) * gap)
			fail(t, s, models.SignInAttempt{User: other, Login: "other"}, at)
			if !lockedUntil(t, s, models.SignInAttempt{User: other}, at).IsZero() {
				t.Fatalf("locked by failures %s apart", gap)
			}
		}

		// Stale counters go with the cleanup job.
		n, err := s.DeleteStaleSignInThrottles(context.Background(), later.Add(24*time.Hour))
		if err != nil || n == 0 {
			t.Fatalf("deleted %d stale counters (%v)", n, err)
		}
	})
}

// Simultaneous failures (two app instances, or one busy one) all count
// and none fails on the key: the bug was a read-then-insert.
func TestSignInFailuresRecordedConcurrently(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	dev := mkUser(t, a, "dev", models.StateActive, false)
	now := time.Now().UTC()
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			<-start
			errs[i] = s.RecordSignInFailure(context.Background(), models.SignInAttempt{User: dev, Login: "dev", IP: "192.0.2.1"}, now)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("failure %d: %v", i, err)
		}
	}
	// 16 failures: locked at the 5th, then 11 more counted afresh (the
	// 10th and 15th locked again); the address saw all 16.
	if lockedUntil(t, b, models.SignInAttempt{User: dev}, now).IsZero() {
		t.Fatal("the account is not locked")
	}
	db, _ := a.SQLDB()
	var failures int
	if err := db.QueryRow("SELECT failures FROM sign_in_throttles WHERE login_key = 'ip:192.0.2.1'").Scan(&failures); err != nil {
		t.Fatal(err)
	}
	if failures != n {
		t.Fatalf("the address counted %d failures, want %d", failures, n)
	}
}
