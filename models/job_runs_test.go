package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// A scheduled run needs a period (less the tolerance) since the last
// start, whoever made it; a manual run goes at once and starts a new
// period; each run is recorded with its result or error.
func TestJobRunsAreRecordedAndScheduledOncePerPeriod(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		runs := 0
		var fail error
		job := models.Job{Name: "test_job", Every: time.Hour, Run: func(context.Context, *models.Store, time.Time) (string, error) {
			runs++
			return "did a thing", fail
		}}
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		step := func(run func(context.Context, models.Job, time.Time) (models.JobStatus, string, error), at time.Duration, want models.JobStatus) {
			t.Helper()
			got, _, err := run(ctx, job, t0.Add(at))
			if err != nil && !errors.Is(err, fail) {
				t.Fatalf("at +%v: %v", at, err)
			}
			if got != want {
				t.Fatalf("at +%v: status %v, want %v", at, got, want)
			}
		}
		step(s.RunJobIfDue, 0, models.JobRan) // never ran: due
		step(s.RunJobIfDue, 30*time.Minute, models.JobNotDue)
		step(s.RunJobIfDue, 59*time.Minute+58*time.Second, models.JobNotDue)
		step(s.RunJobIfDue, 59*time.Minute+59*time.Second+500*time.Millisecond, models.JobRan) // within the tolerance
		step(s.RunJobNow, 70*time.Minute, models.JobRan)                                       // manual: at once
		step(s.RunJobIfDue, 2*time.Hour, models.JobNotDue)                                     // a period from the manual run
		fail = errors.New("database gone")
		step(s.RunJobIfDue, 2*time.Hour+10*time.Minute, models.JobRan)
		if runs != 4 {
			t.Fatalf("ran %d times, want 4", runs)
		}
		all, err := s.JobRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r := all["test_job"]
		if !r.LastStartedAt.Equal(t0.Add(2*time.Hour+10*time.Minute)) || r.LastFinishedAt == nil ||
			r.LastFinishedAt.Before(r.LastStartedAt) || r.LastError != "database gone" || r.LastResult != "did a thing" {
			t.Fatalf("recorded %+v", r)
		}
		fail = nil
		step(s.RunJobNow, 2*time.Hour+11*time.Minute, models.JobRan)
		if r := mustJobRun(t, s, "test_job"); r.LastError != "" || r.LastResult != "did a thing" {
			t.Fatalf("a successful run must clear the error: %+v", r)
		}
	})
}

// While another runner holds the lock the job is busy, manual or not, and
// the busy attempt records nothing.
func TestJobRunIsBusyWhileLocked(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		job := models.Job{Name: "test_busy", Every: time.Hour, Run: func(context.Context, *models.Store, time.Time) (string, error) {
			return "", nil
		}}
		held, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
		go func() {
			_, err := s.RunExclusive(ctx, job.Name, func() error { close(held); <-release; return nil })
			done <- err
		}()
		<-held
		for _, run := range []func(context.Context, models.Job, time.Time) (models.JobStatus, string, error){s.RunJobIfDue, s.RunJobNow} {
			if st, _, err := run(ctx, job, time.Now()); err != nil || st != models.JobBusy {
				t.Fatalf("status %v err %v while locked", st, err)
			}
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if all, _ := s.JobRuns(ctx); len(all) != 0 {
			t.Fatalf("recorded %v", all)
		}
	})
}

func mustJobRun(t *testing.T, s *models.Store, name string) models.JobRun {
	t.Helper()
	all, err := s.JobRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return all[name]
}
