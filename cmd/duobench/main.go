// Command duobench times the product's heavy paths on a large synthetic
// organisation in Postgres, each next to a baseline (the raw database work
// that path cannot avoid) measured in the same run, and writes
// bench/results.json. `make bench` runs it; see bench/README.md.
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
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"duoadmin/models"
)

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
}

type config struct {
	dbURL      string
	seconds    int // access_api load per side
	iterations int // bulk, cascade and reconcile runs per side
	pageRuns   int // seat table runs per variant and side
	out        string
	only       map[string]bool // BENCH_ONLY: these scenarios; empty: all
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
	c := config{dbURL: os.Getenv("BENCH_DATABASE_URL"), out: "bench/results.json"}
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
	if c.pageRuns, err = envInt("BENCH_PAGE_RUNS", 10, 1, 500); err != nil {
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
	return c, nil
}

func main() {
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
	if err := ensureDatabase(cfg.dbURL); err != nil {
		return err
	}
	store, err := models.Open(cfg.dbURL, models.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	if store.Dialect() != models.Postgres {
		return errors.New("BENCH_DATABASE_URL must be a postgres:// URL")
	}
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	b, err := newBench(ctx, store, cfg)
	if err != nil {
		return err
	}
	defer b.close()
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

	var results []Result
	for _, sc := range []struct {
		name string
		run  func(context.Context) ([]Result, error)
	}{
		{"access_api", b.accessAPI}, {"seat_table", b.seatTable}, {"bulk", b.bulk}, {"cascade", b.cascade}, {"reconcile", b.reconcile},
	} {
		if !cfg.runs(sc.name) {
			continue
		}
		// As serve runs (accessAPI starts it itself, after its uncached run).
		if sc.name != "access_api" {
			if err := b.startListener(ctx); err != nil {
				return err
			}
		}
		rs, err := sc.run(ctx)
		if err != nil {
			return err
		}
		for _, r := range rs {
			printResult(r)
		}
		results = append(results, rs...)
	}
	peak := Result{Name: "peak_rss", Size: "whole run, server and clients in one process", RSSMB: peakRSSMB(), Pass: true,
		Target: "reported only"}
	printResult(peak)
	results = append(results, peak)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(results); err != nil {
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
	fmt.Printf("wrote %s: %d scenario(s), %d miss(es)\n", cfg.out, len(results), misses)
	return nil
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
