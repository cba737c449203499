package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// runLog records the clock readings a test job ran at.
type runLog struct {
	mu  sync.Mutex
	ats []time.Time
}

func (l *runLog) job(name string, every time.Duration) models.Job {
	return models.Job{Name: name, Every: every, Run: func(_ context.Context, _ *models.Store, now time.Time) (string, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.ats = append(l.ats, now)
		return "counted", nil
	}}
}

func (l *runLog) runs() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.ats...)
}

type testClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *testClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Two app instances on one Postgres, each with its own schedule: their
// timers fire at once and at other moments of the period, several times a
// period, and the job runs once a period all the same.
func TestSchedulersOfTwoInstancesRunAJobOncePerPeriod(t *testing.T) {
	a, b := storetest.PostgresTwins(t)
	var log runLog
	job := log.job("test_once_per_period", time.Hour)
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := &testClock{at: start}
	instances := []*jobScheduler{{store: a, log: quietLog(), now: clock.now}, {store: b, log: quietLog(), now: clock.now}}
	ctx := context.Background()
	for period := range 3 {
		for _, offset := range []time.Duration{0, time.Second, 25 * time.Minute, 58 * time.Minute} {
			clock.set(start.Add(time.Duration(period)*job.Every + offset))
			var both sync.WaitGroup
			for _, js := range instances {
				both.Go(func() { js.tick(ctx, job) })
			}
			both.Wait()
		}
		if runs := log.runs(); len(runs) != period+1 {
			t.Fatalf("after %d period(s) the job ran %d times, at %v", period+1, len(runs), runs)
		}
	}
}

// The same with real timers and a short period: two schedulers started
// together; consecutive runs are never less than a period (less the
// tolerance) apart, and the job does run.
func TestSchedulersOnTimersRunAJobOncePerPeriod(t *testing.T) {
	a, b := storetest.PostgresTwins(t)
	const every = 200 * time.Millisecond
	var log runLog
	job := log.job("test_timers", every)
	ctx, cancel := context.WithCancel(context.Background())
	var instances []*jobScheduler
	for i, s := range []*models.Store{a, b} {
		js := &jobScheduler{store: s, log: quietLog(), jobs: []models.Job{job}, now: time.Now,
			firstRun: func(models.Job) time.Duration { return time.Duration(i) * 30 * time.Millisecond }}
		js.start(ctx)
		instances = append(instances, js)
	}
	time.Sleep(6 * every)
	cancel()
	for _, js := range instances {
		js.wait()
	}
	runs := log.runs()
	if len(runs) < 3 {
		t.Fatalf("the job ran %d times in %v with a period of %v", len(runs), 6*every, every)
	}
	for i := 1; i < len(runs); i++ {
		if gap := runs[i].Sub(runs[i-1]); gap < every-every/10 {
			t.Fatalf("runs %d and %d only %v apart (period %v); %d runs", i, i+1, gap, every, len(runs))
		}
	}
}

// `jobs run NAME` runs at once, whenever the job last ran, and records the
// run; `jobs list` shows it.
func TestJobsRunRecordsAndListShowsTheLastRun(t *testing.T) {
	newSeatsFixture(t, models.SelfManaged, 0, models.Date{})
	var out bytes.Buffer
	ctx := context.Background()
	for range 2 {
		out.Reset()
		if err := jobsCommand(ctx, []string{"run", "refresh"}, &out); err != nil {
			t.Fatal(err)
		}
		if out.String() != "refresh: refreshed 0 purchase(s), removed 0 seat(s)\n" {
			t.Fatalf("jobs run printed %q", out.String())
		}
	}
	out.Reset()
	if err := jobsCommand(ctx, []string{"list"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(models.Jobs) {
		t.Fatalf("jobs list printed\n%s", out.String())
	}
	for _, l := range lines {
		name := strings.Fields(l)[0]
		switch {
		case name == "refresh" && !regexp.MustCompile(`^refresh +every 4h0m0s +last started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, took \S+: refreshed 0 purchase\(s\), removed 0 seat\(s\)$`).MatchString(l):
			t.Errorf("refresh: %q", l)
		case name != "refresh" && !strings.HasSuffix(l, "never run"):
			t.Errorf("%s: %q", name, l)
		}
	}
}
