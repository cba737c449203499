package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// JobRun is a job's last run, in the database so that every app instance
// sees it: the advisory lock alone only keeps two runs from overlapping,
// and N instances would each run the job once a period.
type JobRun struct {
	Name          string `gorm:"primaryKey"`
	LastStartedAt time.Time
	// LastFinishedAt is nil while the run is under way, or when it died.
	LastFinishedAt *time.Time
	LastResult     string
	LastError      string
}

// JobStatus says whether a job ran, and if not why.
type JobStatus int

const (
	JobRan JobStatus = iota
	// JobBusy: another runner holds the job's lock.
	JobBusy
	// JobNotDue: its last run started less than a period ago.
	JobNotDue
)

// DueTolerance is how much before a full period since its last run a
// scheduled job counts as due: a tenth of the period, at most a second.
// It absorbs the milliseconds between the clock reading recorded as a
// run's start and the moment the next check's timer was set, so a check
// landing a hair before the period is up does not skip. Instances check
// every minute (cmd/duoadmin), so a miss would cost a minute, not a
// period; the tolerance stays small, and runs are at least
// Every - DueTolerance apart.
func (j Job) DueTolerance() time.Duration { return min(j.Every/10, time.Second) }

// dueAt is when a scheduled run may follow one started at last.
func (j Job) dueAt(last time.Time) time.Time { return last.Add(j.Every - j.DueTolerance()) }

// RunJobIfDue is a scheduled run, which every app instance attempts on its
// own timer: under the job's lock, it runs only when the job's last run
// (by any instance, or `duoadmin jobs run`) started at least a period ago,
// so the job runs once a period however many instances share the
// database. now is the scheduler's clock.
func (s *Store) RunJobIfDue(ctx context.Context, job Job, now time.Time) (JobStatus, string, error) {
	return s.runJob(ctx, job, now, true)
}

// RunJobNow is `duoadmin jobs run`: at once, whenever the job last ran,
// unless another runner holds its lock. It is recorded like a scheduled
// run, so the schedule's next run comes a period after it.
func (s *Store) RunJobNow(ctx context.Context, job Job, now time.Time) (JobStatus, string, error) {
	return s.runJob(ctx, job, now, false)
}

func (s *Store) runJob(ctx context.Context, job Job, now time.Time, scheduled bool) (JobStatus, string, error) {
	status, summary := JobBusy, ""
	_, err := s.RunExclusive(ctx, job.Name, func() error {
		// The start is committed before the job runs and before the lock
		// is released: the next runner to take the lock sees it, and a run
		// that dies midway still counts for its period.
		claimed, err := s.claimJobRun(ctx, job, now, scheduled)
		if err != nil {
			return err
		}
		if !claimed {
			status = JobNotDue
			return nil
		}
		status = JobRan
		began := time.Now()
		var runErr error
		summary, runErr = job.Run(ctx, s, now)
		// Recorded even when ctx ended, or the run would look unfinished.
		if err := s.finishJobRun(context.WithoutCancel(ctx), job.Name, now.Add(time.Since(began)), summary, runErr); err != nil {
			return errors.Join(runErr, err)
		}
		return runErr
	})
	return status, summary, err
}

// claimJobRun records the start of a run, when (scheduled) the last one
// started long enough ago. The read and the write are one transaction:
// under the advisory lock on Postgres that is belt and braces, while on
// SQLite (whose lock is per process) the write-locking transaction keeps a
// `duoadmin jobs run` in another process from claiming the same period.
func (s *Store) claimJobRun(ctx context.Context, job Job, now time.Time, scheduled bool) (bool, error) {
	claimed := false
	err := s.Tx(ctx, func(tx *Store) error {
		if scheduled {
			var last JobRun
			err := tx.q(ctx).Where("name = ?", job.Name).Take(&last).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
			case err != nil:
				return err
			case now.Before(job.dueAt(last.LastStartedAt)):
				return nil
			}
		}
		claimed = true
		return tx.q(ctx).Exec(`INSERT INTO job_runs (name, last_started_at, last_finished_at, last_result, last_error)
			VALUES (?, ?, NULL, '', '')
			ON CONFLICT (name) DO UPDATE SET last_started_at = excluded.last_started_at,
				last_finished_at = NULL, last_result = '', last_error = ''`, job.Name, now.UTC()).Error
	})
	return claimed, err
}

func (s *Store) finishJobRun(ctx context.Context, name string, at time.Time, summary string, runErr error) error {
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	return s.q(ctx).Model(&JobRun{}).Where("name = ?", name).
		Updates(map[string]any{"last_finished_at": at.UTC(), "last_result": summary, "last_error": msg}).Error
}

// JobRuns is every job's last run, by name.
func (s *Store) JobRuns(ctx context.Context) (map[string]JobRun, error) {
	var runs []JobRun
	if err := s.q(ctx).Order("name").Find(&runs).Error; err != nil {
		return nil, err
	}
	out := make(map[string]JobRun, len(runs))
	for _, r := range runs {
		out[r.Name] = r
	}
	return out, nil
}
