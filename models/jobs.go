package models

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"
)

// Job is one of the scheduled jobs (seat removal, retention, cleanup).
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context, s *Store, now time.Time) (string, error)
}

// Jobs are the scheduled jobs, by the names `duoadmin jobs run` takes.
var Jobs = []Job{
	{Name: "ineligible", Every: 12 * time.Hour, Run: runIneligibleJob},
	{Name: "expiry", Every: 24 * time.Hour, Run: runExpiryJob},
	{Name: "refresh", Every: 4 * time.Hour, Run: runRefreshJob},
	{Name: "overage", Every: 4 * time.Hour, Run: runOverageJob},
	{Name: "audit_retention", Every: 24 * time.Hour, Run: runAuditRetentionJob},
	{Name: "session_cleanup", Every: time.Hour, Run: runSessionCleanupJob},
	{Name: "assignment_rules", Every: time.Hour, Run: runAssignmentRulesJob},
	{Name: "rule_queue", Every: RuleQueueEvery, Run: runRuleQueueJob},
	{Name: "usage_snapshot", Every: time.Hour, Run: runUsageSnapshotJob},
	{Name: "reclaim", Every: 24 * time.Hour, Run: runReclaimJob},
}

func JobByName(name string) (Job, bool) {
	for _, j := range Jobs {
		if j.Name == name {
			return j, true
		}
	}
	return Job{}, false
}

// RefreshStaleAfter: the 4-hourly refresh covers purchases not refreshed
// for this long.
const RefreshStaleAfter = 8 * time.Hour

func (s *Store) allPurchaseIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Model(&AddOnPurchase{}).Order("id").Pluck("id", &ids).Error
	return ids, err
}

func runIneligibleJob(ctx context.Context, s *Store, _ time.Time) (string, error) {
	ids, err := s.allPurchaseIDs(ctx)
	if err != nil {
		return "", err
	}
	n, held := 0, 0
	for _, id := range ids {
		// Guarded: a mass removal waits for a person (seat_removal_guard.go).
		rs, run, err := s.RemoveIneligibleGuarded(ctx, id)
		if err != nil {
			return "", err
		}
		n += len(rs)
		if run != nil {
			held++
		}
	}
	return fmt.Sprintf("removed %d seat(s) of ineligible users from %d purchase(s)%s", n, len(ids), heldSuffix(held)), nil
}

func runOverageJob(ctx context.Context, s *Store, _ time.Time) (string, error) {
	ids, err := s.allPurchaseIDs(ctx)
	if err != nil {
		return "", err
	}
	n := 0
	for _, id := range ids {
		rs, err := s.ReconcileOverage(ctx, id)
		if err != nil {
			return "", err
		}
		n += len(rs)
	}
	return fmt.Sprintf("removed %d seat(s) over quantity from %d purchase(s)", n, len(ids)), nil
}

func runExpiryJob(ctx context.Context, s *Store, now time.Time) (string, error) {
	done, err := s.CleanupExpired(ctx, DateOf(now))
	n := 0
	for _, rs := range done {
		n += len(rs)
	}
	return fmt.Sprintf("removed %d seat(s) of %d purchase(s) expired more than %d days ago", n, len(done), ExpiryGraceDays), err
}

func runRefreshJob(ctx context.Context, s *Store, now time.Time) (string, error) {
	var ids []int64
	err := s.q(ctx).Model(&AddOnPurchase{}).
		Where("last_assigned_users_refreshed_at IS NULL OR last_assigned_users_refreshed_at < ?", now.Add(-RefreshStaleAfter)).
		Order("id").Pluck("id", &ids).Error
	if err != nil {
		return "", err
	}
	n, held := 0, 0
	for _, id := range ids {
		// Guarded: a mass removal of ineligible users waits for a person.
		rs, run, err := s.RefreshSeatsGuarded(ctx, id)
		if err != nil {
			return "", err
		}
		n += len(rs)
		if run != nil {
			held++
		}
	}
	return fmt.Sprintf("refreshed %d purchase(s), removed %d seat(s)%s", len(ids), n, heldSuffix(held)), nil
}

// runSessionCleanupJob deletes expired sessions (they are refused already:
// this keeps the table small) and sign-in counters that lock nothing.
func runSessionCleanupJob(ctx context.Context, s *Store, now time.Time) (string, error) {
	sessions, err := s.DeleteExpiredSessions(ctx, now)
	if err != nil {
		return "", err
	}
	counters, err := s.DeleteStaleSignInThrottles(ctx, now)
	return fmt.Sprintf("deleted %d expired session(s) and %d stale sign-in counter(s)", sessions, counters), err
}

// localJobLocks stands in for advisory locks on SQLite, which serves one
// app instance only.
var localJobLocks sync.Map

// RunExclusive runs fn unless another runner holds the job's lock; it
// reports whether fn ran. On Postgres the lock is a session advisory lock
// on a dedicated connection, so app instances sharing the database run
// each job once.
func (s *Store) RunExclusive(ctx context.Context, job string, fn func() error) (bool, error) {
	if s.dialect != Postgres {
		mu, _ := localJobLocks.LoadOrStore(job, &sync.Mutex{})
		if !mu.(*sync.Mutex).TryLock() {
			return false, nil
		}
		defer mu.(*sync.Mutex).Unlock()
		return true, fn()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return false, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	key := jobLockKey(job)
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
		return false, err
	}
	if !got {
		return false, nil
	}
	// Unlock on a context that outlives a cancelled job, or the lock would
	// stay with the pooled connection.
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key)
	return true, fn()
}

func jobLockKey(job string) int64 {
	h := fnv.New64a()
	h.Write([]byte("duoadmin-job:" + job))
	return int64(h.Sum64())
}
