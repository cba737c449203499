package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"duoadmin/models"
	"duoadmin/models/seed"
)

// bulkUsers is how many users the bulk scenarios assign and remove; they
// need that many without a seat, so they skip small organisations.
const bulkUsers = 10000

const defaultURL = "postgres://postgres@127.0.0.1:5432/duoadmin_bench?sslmode=disable"

// Result is one line of bench/results.json.
type Result struct {
	Name          string  `json:"name"`
	Size          string  `json:"size"`
	P50ms         float64 `json:"p50_ms"`
	P99ms         float64 `json:"p99_ms"`
	BaselineP50ms float64 `json:"baseline_p50_ms"`
	// BaselineP99ms shows the floor's own tail (beyond the fields).
	BaselineP99ms float64 `json:"baseline_p99_ms"`
	Ratio         float64 `json:"ratio"`
	RSSMB         float64 `json:"rss_mb"`
	ReqS          float64 `json:"req_s,omitempty"`
	BaselineReqS  float64 `json:"baseline_req_s,omitempty"`
	Pass          bool    `json:"pass"`
	Target        string  `json:"target"`
	// Scale is the organisation's generated users (BENCH_SCALES).
	Scale int `json:"scale,omitempty"`
	// Samples and BaselineSamples are the timings behind each side's p50
	// and p99 (at least minSamples for a p99 to mean anything).
	Samples         int `json:"samples,omitempty"`
	BaselineSamples int `json:"baseline_samples,omitempty"`
	// HitRate is the access cache's share of lookups answered from memory.
	HitRate *float64 `json:"cache_hit_rate,omitempty"`
	// Notes says what a scenario measured beyond the fields above.
	Notes string `json:"notes,omitempty"`
}

type config struct {
	dbURL      string
	seconds    int // access_api load per side
	iterations int // bulk, cascade and reconcile runs per side
	pageRuns   int // seat table runs per variant and side
	out        string
	only       map[string]bool // BENCH_ONLY: these scenarios; empty: all
	scales     []int           // BENCH_SCALES: organisation sizes in users
}

func (c config) runs(scenario string) bool { return len(c.only) == 0 || c.only[scenario] }

func envInt(name string, def, lo, hi int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

func loadConfig() (config, error) {
	c := config{dbURL: os.Getenv("BENCH_DATABASE_URL"), out: "bench/results/" + time.Now().Format(time.DateOnly) + ".json"}
	if c.dbURL == "" {
		c.dbURL = defaultURL
	}
	var err error
	if c.seconds, err = envInt("BENCH_SECONDS", 20, 1, 120); err != nil {
		return c, err
	}
	if c.iterations, err = envInt("BENCH_ITERATIONS", 5, 1, 50); err != nil {
		return c, err
	}
	if c.pageRuns, err = envInt("BENCH_PAGE_RUNS", minSamples, 1, 500); err != nil {
		return c, err
	}
	if v := os.Getenv("BENCH_RESULTS"); v != "" {
		c.out = v
	}
	if v := os.Getenv("BENCH_ONLY"); v != "" {
		c.only = map[string]bool{}
		for _, name := range strings.Split(v, ",") {
			c.only[strings.TrimSpace(name)] = true
		}
	}
	if c.scales, err = parseScales(os.Getenv("BENCH_SCALES")); err != nil {
		return c, err
	}
	return c, nil
}

// parseScales reads BENCH_SCALES: ascending user counts, the default size
// when empty.
func parseScales(v string) ([]int, error) {
	if strings.TrimSpace(v) == "" {
		return []int{seed.DefaultSyntheticSize.Users}, nil
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1000 || n > 10_000_000 || (len(out) > 0 && n <= out[len(out)-1]) {
			return nil, errors.New("BENCH_SCALES must be ascending user counts from 1000 to 10000000, e.g. 10000,100000,1000000")
		}
		out = append(out, n)
	}
	return out, nil
}

// sizeAt is the organisation of n users: groups, projects and seats in the
// default's proportions (a tenth as many groups, as many projects, seats
// for 60%, 50% assigned).
func sizeAt(n int) seed.SyntheticSize {
	d := seed.DefaultSyntheticSize
	return seed.SyntheticSize{Users: n, Groups: n * d.Groups / d.Users, Projects: n * d.Projects / d.Users,
		Seats: n * d.Seats / d.Users, Assigned: n * d.Assigned / d.Users}
}

// scaleURL is the database of one size: BENCH_DATABASE_URL at the default
// size, the same name suffixed with the size otherwise, so each is seeded
// once and kept.
func scaleURL(raw string, n int) (string, error) {
	if n == seed.DefaultSyntheticSize.Users {
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("BENCH_DATABASE_URL: %w", err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "_" + strconv.Itoa(n)
	return u.String(), nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "report" {
		if err := runReport(os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "duobench report: "+err.Error())
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "duobench: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	began := time.Now()
	var results []Result
	for i, n := range cfg.scales {
		rs, err := runScale(ctx, cfg, n, i == twoInstancesScale(cfg.scales))
		if err != nil {
			return fmt.Errorf("at %d users: %w", n, err)
		}
		results = append(results, rs...)
	}
	peak := Result{Name: "peak_rss", Size: "whole run, server and clients in one process", RSSMB: peakRSSMB(), Pass: true,
		Target: "reported only"}
	printResult(peak)
	results = append(results, peak)
	rf := ResultsFile{Date: began.Format(time.DateOnly), Machine: fmt.Sprintf("%d CPUs, %s/%s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH),
		Config: fmt.Sprintf("BENCH_SECONDS=%d BENCH_ITERATIONS=%d BENCH_PAGE_RUNS=%d scales %v, %s", cfg.seconds, cfg.iterations,
			cfg.pageRuns, cfg.scales, time.Since(began).Round(time.Second)),
		Results: results, Growth: growthOf(results)}
	printGrowth(rf.Growth)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rf); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(cfg.out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	misses := 0
	for _, r := range results {
		if !r.Pass {
			misses++
		}
	}
	fmt.Printf("wrote %s: %d scenario(s), %d miss(es), %s\n", cfg.out, len(results), misses, time.Since(began).Round(time.Second))
	return nil
}

// twoInstancesScale is the index of the size the two-instance scenario
// runs at: the default size when measured, else the first.
func twoInstancesScale(scales []int) int {
	if i := slices.Index(scales, seed.DefaultSyntheticSize.Users); i >= 0 {
		return i
	}
	return 0
}

// runScale runs the scenarios on the organisation of n users.
func runScale(ctx context.Context, cfg config, n int, withTwoInstances bool) ([]Result, error) {
	dbURL, err := scaleURL(cfg.dbURL, n)
	if err != nil {
		return nil, err
	}
	if err := ensureDatabase(dbURL); err != nil {
		return nil, err
	}
	store, err := models.Open(dbURL, models.Options{})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if store.Dialect() != models.Postgres {
		return nil, errors.New("BENCH_DATABASE_URL must be a postgres:// URL")
	}
	if _, err := store.Migrate(ctx); err != nil {
		return nil, err
	}
	// The listener below lives as long as this size's run.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b, err := newBench(ctx, store, cfg, sizeAt(n), dbURL)
	if err != nil {
		return nil, err
	}
	defer b.close()
	var results []Result
	for _, sc := range []struct {
		name string
		run  func(context.Context) ([]Result, error)
	}{
		{"access_api", b.accessAPI}, {"seat_table", b.seatTable}, {"bulk", b.bulk}, {"cascade", b.cascade}, {"reconcile", b.reconcile},
		{"two_instances", b.twoInstances},
		{"usage_page", b.usagePage},
		{"reclaim_scan", b.reclaimScan},
		{"availability_map", b.availabilityMap},
		{"rule_sync_100k", b.ruleSync100k},
		{"rule_sync_one_change", b.ruleSyncOneChange},
	} {
		if !cfg.runs(sc.name) || (sc.name == "two_instances" && !withTwoInstances) {
			continue
		}
		if sc.name == "bulk" && n < 2*bulkUsers {
			fmt.Printf("bulk: skipped at %d users (it needs %d without a seat)\n", n, bulkUsers)
			continue
		}
		// As serve runs (accessAPI starts and stops it itself, per side).
		if sc.name != "access_api" {
			if err := b.startListener(ctx); err != nil {
				return nil, err
			}
		}
		began := time.Now()
		rs, err := sc.run(ctx)
		if err != nil {
			return nil, err
		}
		// The wall time, setup included: what `make bench`'s 20 minutes are
		// spent on.
		fmt.Printf("%s: %s at %d users\n", sc.name, time.Since(began).Round(time.Second), n)
		for i := range rs {
			rs[i].Scale = n
			printResult(rs[i])
		}
		results = append(results, rs...)
	}
	return results, nil
}

// printGrowth prints each scenario's growth per 10x users.
func printGrowth(gs []Growth) {
	for _, g := range gs {
		line := fmt.Sprintf("growth %-36s", g.Name)
		for i, n := range g.Scales {
			line += fmt.Sprintf("  %s users %.2f ms", users(n), g.P50ms[i])
			if i > 0 {
				line += fmt.Sprintf(" (x%.2f per 10x)", g.Per10x[i-1])
			}
		}
		fmt.Println(line)
	}
}

func printResult(r Result) {
	verdict := "PASS"
	if !r.Pass {
		verdict = "MISS"
	}
	if r.Name == "peak_rss" {
		fmt.Printf("%-44s rss %.0f MB\n", r.Name, r.RSSMB)
		return
	}
	extra := ""
	if r.ReqS > 0 {
		extra = fmt.Sprintf(" req/s %.0f (baseline %.0f)", r.ReqS, r.BaselineReqS)
	}
	if r.HitRate != nil {
		extra += fmt.Sprintf(" cache hits %.0f%%", *r.HitRate*100)
	}
	if r.Samples > 0 {
		extra += "  " + samplesNote(r.Samples, r.BaselineSamples)
	}
	if r.Notes != "" {
		extra += "\n    " + r.Notes
	}
	if r.BaselineP50ms == 0 {
		fmt.Printf("%-44s p50 %9.2f ms  p99 %9.2f ms%s  rss %.0f MB  %s (%s)\n", r.Name, r.P50ms, r.P99ms, extra, r.RSSMB, verdict, r.Target)
		return
	}
	fmt.Printf("%-44s p50 %9.2f ms  p99 %9.2f ms  baseline p50 %9.2f ms  p99 %9.2f ms  ratio %5.2f%s  rss %.0f MB  %s (%s)\n",
		r.Name, r.P50ms, r.P99ms, r.BaselineP50ms, r.BaselineP99ms, r.Ratio, extra, r.RSSMB, verdict, r.Target)
}

// ensureDatabase creates the benchmark database when the server lacks it.
func ensureDatabase(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("BENCH_DATABASE_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.ContainsAny(name, `"/`) {
		return errors.New("BENCH_DATABASE_URL must name a database")
	}
	admin := *u
	admin.Path = "/postgres"
	s, err := models.Open(admin.String(), models.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	db, err := s.SQLDB()
	if err != nil {
		return err
	}
	var exists bool
	if err := db.QueryRow("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("connect to Postgres at %s: %w", u.Host, err)
	}
	if exists {
		return nil
	}
	fmt.Printf("creating database %s\n", name)
	_, err = db.Exec(`CREATE DATABASE "` + name + `"`)
	return err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSSMB is the process's high-water resident set (VmHWM).
func peakRSSMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return float64(int64(kb/1024*10+0.5)) / 10
		}
	}
	return 0
}
