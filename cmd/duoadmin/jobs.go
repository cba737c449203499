package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"duoadmin/models"
)

// runJobs is `duoadmin jobs run NAME` and `duoadmin jobs list`, for cron
// or a Kubernetes CronJob instead of (or as well as) the in-process schedule.
func runJobs(ctx context.Context, args []string) error { return jobsCommand(ctx, args, os.Stdout) }

func jobsCommand(ctx context.Context, args []string, out io.Writer) error {
	names := make([]string, len(models.Jobs))
	for i, j := range models.Jobs {
		names[i] = j.Name
	}
	if len(args) == 1 && args[0] == "list" {
		return listJobs(ctx, out)
	}
	if len(args) != 2 || args[0] != "run" {
		return errors.New("usage: duoadmin jobs run " + strings.Join(names, "|") + "  (or: duoadmin jobs list)")
	}
	job, ok := models.JobByName(args[1])
	if !ok {
		return fmt.Errorf("unknown job %q: one of %s", args[1], strings.Join(names, ", "))
	}
	store, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	status, summary, err := store.RunJobNow(ctx, job, time.Now())
	if err != nil {
		return fmt.Errorf("job %s: %w", job.Name, err)
	}
	if status == models.JobBusy {
		fmt.Fprintf(out, "%s: skipped, another runner holds its lock\n", job.Name)
		return nil
	}
	fmt.Fprintf(out, "%s: %s\n", job.Name, summary)
	return nil
}

// listJobs prints the schedule and each job's last run. The schedule is
// printed even when the database cannot say when the jobs last ran.
func listJobs(ctx context.Context, out io.Writer) error {
	runs, err := lastJobRuns(ctx)
	for _, j := range models.Jobs {
		line := fmt.Sprintf("%-15s every %-8s", j.Name, j.Every)
		if err == nil {
			line += "  " + describeJobRun(runs[j.Name])
		}
		fmt.Fprintln(out, strings.TrimRight(line, " "))
	}
	if err != nil {
		fmt.Fprintf(out, "(last runs unknown: %v)\n", err)
	}
	return nil
}

func lastJobRuns(ctx context.Context) (map[string]models.JobRun, error) {
	_, store, err := openStore()
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if err := store.CheckSchema(ctx); err != nil {
		return nil, err
	}
	return store.JobRuns(ctx)
}

func describeJobRun(r models.JobRun) string {
	if r.Name == "" {
		return "never run"
	}
	started := "last started " + r.LastStartedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	switch {
	case r.LastFinishedAt == nil:
		return started + ", not finished (under way, or it died)"
	case r.LastError != "":
		return started + ", failed: " + r.LastError
	}
	return fmt.Sprintf("%s, took %s: %s", started, r.LastFinishedAt.Sub(r.LastStartedAt).Round(time.Millisecond), r.LastResult)
}

// startJobScheduler runs every job on its interval until ctx ends. Each
// app instance runs the schedule; the job's lock and its last run in the
// database let one instance do the work, once a period.
//
// An instance asks every minute (or every period, when shorter) whether a
// job is due rather than waiting a period after its own last attempt:
// after a restart, or when the instance that ran a job is gone, the job
// would otherwise wait up to a period more than it should.
//
// stop ends the schedule and waits for the jobs under way, which stop as
// their context ends, so serve closes the database only after they
// recorded their end.
func startJobScheduler(ctx context.Context, store *models.Store, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	js := &jobScheduler{store: store, log: log, jobs: models.Jobs, now: time.Now,
		// Spread the first runs so start-up is not a burst.
		firstRun: func(j models.Job) time.Duration { return time.Minute + time.Duration(len(j.Name))*7*time.Second }}
	js.start(ctx)
	return func() { cancel(); js.wait() }
}

// jobScheduler is one app instance's schedule; tests run several on one
// database with short periods and their own clock.
type jobScheduler struct {
	store    *models.Store
	log      *slog.Logger
	jobs     []models.Job
	now      func() time.Time
	firstRun func(models.Job) time.Duration
	running  sync.WaitGroup
}

func (js *jobScheduler) start(ctx context.Context) {
	for _, job := range js.jobs {
		js.running.Add(1)
		go func() {
			defer js.running.Done()
			timer := time.NewTimer(js.firstRun(job))
			defer timer.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
				js.tick(ctx, job)
				timer.Reset(min(job.Every, jobCheckEvery))
			}
		}()
	}
}

// jobCheckEvery is how often each instance asks whether a job is due.
const jobCheckEvery = time.Minute

// wait returns once every job's loop has seen ctx end.
func (js *jobScheduler) wait() { js.running.Wait() }

// tick is one firing of a job's timer: the job runs if no instance ran
// it this period (models.Store.RunJobIfDue).
func (js *jobScheduler) tick(ctx context.Context, job models.Job) {
	status, summary, err := js.store.RunJobIfDue(ctx, job, js.now())
	switch {
	case err != nil:
		js.log.Error("job failed", "job", job.Name, "error", err.Error())
	case status == models.JobRan:
		js.log.Info("job ran", "job", job.Name, "result", summary)
	}
}
