package models_test

import (
	"context"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// Two runners at once (two app instances on one database): one does the
// work, the other skips; once it is done the job can run again.
func TestRunExclusiveLetsOneRunnerWork(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		// The same pool: on Postgres the lock is per session, and the two
		// runners hold different connections of it.
		other := s
		started, release := make(chan struct{}), make(chan struct{})
		done := make(chan bool)
		go func() {
			ran, err := s.RunExclusive(ctx, "refresh", func() error {
				close(started)
				<-release
				return nil
			})
			if err != nil {
				t.Error(err)
			}
			done <- ran
		}()
		<-started
		ran, err := other.RunExclusive(ctx, "refresh", func() error { return nil })
		if err != nil || ran {
			t.Fatalf("second runner ran=%v err=%v while the first holds the lock", ran, err)
		}
		// A different job is not blocked.
		if ran, _ := other.RunExclusive(ctx, "expiry", func() error { return nil }); !ran {
			t.Fatal("another job must not wait for this one")
		}
		close(release)
		select {
		case ran := <-done:
			if !ran {
				t.Fatal("first runner did not run")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("first runner never finished")
		}
		if ran, _ := other.RunExclusive(ctx, "refresh", func() error { return nil }); !ran {
			t.Fatal("the lock was not released")
		}
	})
}

func TestJobsRunAndReport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users := smPurchase(t, s, 3)
		// One of three seats is more than the guard's default 10 %: this
		// test is about the report, so the purchase allows it.
		if err := s.SetRemovalGuard(ctx, tester, p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 25}); err != nil {
			t.Fatal(err)
		}
		db, _ := s.SQLDB()
		// Blocked behind the hooks' back (as an import or a direct SQL fix would).
		if _, err := db.Exec("UPDATE users SET state = 'blocked' WHERE id = $1", users[0].ID); err != nil {
			t.Fatal(err)
		}
		job, _ := models.JobByName("ineligible")
		summary, err := job.Run(ctx, s, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if summary != "removed 1 seat(s) of ineligible users from 1 purchase(s)" {
			t.Fatalf("summary %q", summary)
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 2 {
			t.Fatalf("%d seats left", n)
		}
		refresh, _ := models.JobByName("refresh")
		if _, err := refresh.Run(ctx, s, time.Now()); err != nil {
			t.Fatal(err)
		}
		fresh, _ := s.PurchaseByID(ctx, p.ID)
		if fresh.LastAssignedUsersRefreshedAt == nil {
			t.Fatal("refresh must record when it ran")
		}
		summary, _ = refresh.Run(ctx, s, time.Now())
		if summary != "refreshed 0 purchase(s), removed 0 seat(s)" {
			t.Fatalf("a purchase refreshed just now is refreshed again: %q", summary)
		}
	})
}
