package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"duoadmin/models"
)

// runJobs is `duoadmin jobs run NAME` and `duoadmin jobs list`, for cron
// or a Kubernetes CronJob instead of (or as well as) the in-process schedule.
func runJobs(ctx context.Context, args []string) error {
	names := make([]string, len(models.Jobs))
	for i, j := range models.Jobs {
		names[i] = j.Name
	}
	if len(args) == 1 && args[0] == "list" {
		for _, j := range models.Jobs {
			fmt.Printf("%-16s every %s\n", j.Name, j.Every)
		}
		return nil
	}
	if len(args) != 2 || args[0] != "run" {
		return errors.New("usage: duoadmin jobs run " + strings.Join(names, "|") + "  (or: duoadmin jobs list)")
	}
	job, ok := models.JobByName(args[1])
	if !ok {
		return fmt.Errorf("unknown job %q: one of %s", args[1], strings.Join(names, ", "))
	}
	_, store, err := openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	var summary string
	ran, err := store.RunExclusive(ctx, job.Name, func() error {
		var err error
		summary, err = job.Run(ctx, store, time.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("job %s: %w", job.Name, err)
	}
	if !ran {
		fmt.Printf("%s: skipped, another runner holds its lock\n", job.Name)
		return nil
	}
	fmt.Printf("%s: %s\n", job.Name, summary)
	return nil
}

// startJobScheduler runs every job on its interval until ctx ends. Each
// app instance runs the schedule; the advisory lock lets one do the work.
func startJobScheduler(ctx context.Context, store *models.Store, log *slog.Logger) {
	for _, job := range models.Jobs {
		go func() {
			// Spread the first runs so start-up is not a burst.
			timer := time.NewTimer(time.Minute + time.Duration(len(job.Name))*7*time.Second)
			defer timer.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
				var summary string
				ran, err := store.RunExclusive(ctx, job.Name, func() error {
					var err error
					summary, err = job.Run(ctx, store, time.Now())
					return err
				})
				switch {
				case err != nil:
					log.Error("job failed", "job", job.Name, "error", err.Error())
				case ran:
					log.Info("job ran", "job", job.Name, "result", summary)
				}
				timer.Reset(job.Every)
			}
		}()
	}
}
