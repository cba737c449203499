package main

import (
	"strings"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if got := percentile(d, 50); got != 51*time.Millisecond {
		t.Errorf("p50 = %s", got)
	}
	if got := percentile(d, 99); got != 100*time.Millisecond {
		t.Errorf("p99 = %s", got)
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %s", got)
	}
	if got := percentile(d[:3], 99); got != 3*time.Millisecond {
		t.Errorf("p99 of 3 = %s, want the slowest", got)
	}
}

func TestGrowthPer10x(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n1     int
		t1     float64
		n2     int
		t2     float64
		want   float64
		reason string
	}{
		{10_000, 5, 100_000, 5, 1, "flat"},
		{10_000, 5, 100_000, 50, 10, "linear"},
		{10_000, 1, 1_000_000, 10_000, 100, "quadratic over 100x"},
		{10_000, 2, 1_000_000, 20, 3.16, "ten times slower over 100x users: 3.16 per 10x"},
		{10_000, 0, 100_000, 5, 0, "missing"},
		{10_000, 5, 10_000, 5, 0, "same size"},
	} {
		if got := growthPer10x(c.n1, c.t1, c.n2, c.t2); got != c.want {
			t.Errorf("%s: growthPer10x(%d, %v, %d, %v) = %v, want %v", c.reason, c.n1, c.t1, c.n2, c.t2, got, c.want)
		}
	}
}

func TestGrowthOfLinesUpScales(t *testing.T) {
	t.Parallel()
	rs := []Result{
		{Name: "cascade", Scale: 100_000, P50ms: 100, BaselineP50ms: 50},
		{Name: "cascade", Scale: 10_000, P50ms: 10, BaselineP50ms: 5},
		{Name: "only_once", Scale: 10_000, P50ms: 3},
		{Name: "peak_rss"},
		{Name: "cascade", Scale: 1_000_000, P50ms: 1000, BaselineP50ms: 5000},
	}
	gs := growthOf(rs)
	if len(gs) != 1 || gs[0].Name != "cascade" {
		t.Fatalf("growth = %+v, want cascade only", gs)
	}
	g := gs[0]
	if len(g.Scales) != 3 || g.Scales[0] != 10_000 || g.P50ms[0] != 10 || len(g.Per10x) != 2 || g.Per10x[0] != 10 || g.Per10x[1] != 10 {
		t.Errorf("growth = %+v", g)
	}
	if len(g.BaselinePer10x) != 2 || g.BaselinePer10x[0] != 10 || g.BaselinePer10x[1] != 100 {
		t.Errorf("floor's growth = %v, want [10 100]", g.BaselinePer10x)
	}
}

func TestParseScalesAndSizes(t *testing.T) {
	t.Parallel()
	s, err := parseScales("")
	if err != nil || len(s) != 1 || s[0] != 100_000 {
		t.Errorf("default = %v, %v", s, err)
	}
	s, err = parseScales("10000, 100000,1000000")
	if err != nil || len(s) != 3 || s[2] != 1_000_000 {
		t.Errorf("three = %v, %v", s, err)
	}
	for _, bad := range []string{"100000,10000", "ten", "10", "10000,10000"} {
		if _, err := parseScales(bad); err == nil {
			t.Errorf("parseScales(%q) accepted", bad)
		}
	}
	z := sizeAt(10_000)
	if z.Users != 10_000 || z.Groups != 1000 || z.Projects != 10_000 || z.Seats != 6000 || z.Assigned != 5000 {
		t.Errorf("sizeAt(10k) = %+v", z)
	}
	u, err := scaleURL("postgres://postgres@127.0.0.1:5432/duoadmin_bench?sslmode=disable", 10_000)
	if err != nil || u != "postgres://postgres@127.0.0.1:5432/duoadmin_bench_10000?sslmode=disable" {
		t.Errorf("scaleURL = %q, %v", u, err)
	}
	if u, _ := scaleURL("postgres://h/db", 100_000); u != "postgres://h/db" {
		t.Errorf("default size keeps the URL, got %q", u)
	}
}

func TestPositionalFloorFile(t *testing.T) {
	t.Parallel()
	q, names := positional("-- about :root and :'pattern'\nSELECT x::bigint FROM t\nWHERE a = :purchase AND b = :root\n  AND c LIKE :'pattern';\n")
	want := "SELECT x::bigint FROM t\nWHERE a = $1 AND b = $2\n  AND c LIKE $3"
	if q != want || strings.Join(names, ",") != "purchase,root,pattern" {
		t.Errorf("positional = %q %v", q, names)
	}
}

func TestFloorFilesLoad(t *testing.T) {
	t.Parallel()
	vars := map[string]any{"root": 1, "purchase": 2, "pattern": "%x%"}
	for _, f := range []string{"count_all.sql", "count_assigned.sql", "count_search.sql", "page_id.sql", "page_assigned.sql",
		"page_search.sql", "page_name.sql", "page_last_activity.sql", "page_last_duo_activity.sql"} {
		q, args, err := floorStatement(f, vars)
		if err != nil || strings.Contains(q, ":root") || len(args) == 0 {
			t.Errorf("%s: %q %v %v", f, q, args, err)
		}
	}
}

func TestReportTableAndReadmeSection(t *testing.T) {
	t.Parallel()
	rate := 0.42
	rf := ResultsFile{Date: "2026-12-05", Machine: "2 CPUs", Config: "quick", Results: []Result{
		{Name: "access_api", Scale: 100_000, P50ms: 1.5, P99ms: 8, BaselineP50ms: 1, BaselineP99ms: 4, Ratio: 1.4, ReqS: 3000,
			BaselineReqS: 4200, HitRate: &rate, Samples: 60000, BaselineSamples: 80000, Pass: true, Target: "req/s >= 0.5x baseline, p99 < 10 ms"},
		{Name: "two_instances_staleness", P50ms: 3, P99ms: 120, Target: "p99 < 100 ms", Notes: "0 stale after 1 s"},
		{Name: "peak_rss", RSSMB: 300, Pass: true},
		{Name: "cascade", Scale: 10_000, P50ms: 10, BaselineP50ms: 8},
		{Name: "cascade", Scale: 100_000, P50ms: 100, BaselineP50ms: 800},
	}}
	table := renderReport("bench/results/2026-12-05.json", rf)
	for _, want := range []string{
		"`bench/results/2026-12-05.json`",
		"| access_api | 100k | 1.50 | 8.00 | 1.00 | 4.00 | 1.40 | 60000/80000 | 3000 (4200) | 42% | req/s >= 0.5x baseline, p99 < 10 ms | PASS |",
		"| two_instances_staleness |", "**MISS**", "0 stale after 1 s", "300 MB",
		"| cascade | 10k: 10.00, 100k: 100.00 | 10.00 | 100.00 |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("report lacks %q:\n%s", want, table)
		}
	}
	doc := "# Bench\n\n" + reportBegin + "\nold table\n" + reportEnd + "\n\nafter\n"
	out, err := replaceNamedSection(doc, "bench-report", table)
	if err != nil || strings.Contains(out, "old table") || !strings.Contains(out, table) || !strings.HasSuffix(out, reportEnd+"\n\nafter\n") {
		t.Errorf("replaceNamedSection = %q, %v", out, err)
	}
	again, _ := replaceNamedSection(out, "bench-report", table)
	if again != out {
		t.Error("rewriting the same table changed the README")
	}
	if _, err := replaceNamedSection("no markers", "bench-report", table); err == nil {
		t.Error("a README without markers was accepted")
	}
	// The growth section has its own markers: writing it leaves the
	// results section alone, and the other way round.
	gBegin, gEnd := sectionMarkers("bench-growth")
	both := doc + gBegin + "\nold growth\n" + gEnd + "\n"
	grown, err := replaceNamedSection(both, "bench-growth", "new growth\n")
	if err != nil || !strings.Contains(grown, "old table") || strings.Contains(grown, "old growth") || !strings.Contains(grown, gBegin+"\nnew growth\n"+gEnd) {
		t.Errorf("replaceNamedSection(bench-growth) = %q, %v", grown, err)
	}
	// -growth-only: the growth table without the results table.
	if g := renderGrowth("bench/results/growth/x.json", rf); !strings.Contains(g, "| cascade | 10k: 10.00, 100k: 100.00 | 10.00 | 100.00 |") || strings.Contains(g, "| access_api |") {
		t.Errorf("renderGrowth = %q, want the growth table alone", g)
	}
}

func TestAccessRoundsAlternate(t *testing.T) {
	t.Parallel()
	if accessRounds(1) != 1 || accessRounds(20) != 5 || accessRounds(6) != 3 {
		t.Errorf("rounds: %d %d %d", accessRounds(1), accessRounds(20), accessRounds(6))
	}
	calls := ""
	got, base, err := alternate(3, nil, func() error { calls += "p"; return nil }, func() error { calls += "f"; return nil })
	if err != nil || calls != "pffppf" || len(got) != 3 || len(base) != 3 {
		t.Errorf("alternate: %q %d %d %v", calls, len(got), len(base), err)
	}
}

func TestSamplesNote(t *testing.T) {
	t.Parallel()
	if n := samplesNote(30, 30); n != "30/30 samples" {
		t.Error(n)
	}
	if n := samplesNote(5, 5); !strings.Contains(n, "not meaningful") {
		t.Error(n)
	}
}

// Jobs run once per period over both instances: a 10 s job seen five times
// 10 s apart passes, one seen twice in a period (both instances ran it)
// does not, nor one never seen.
func TestOncePerPeriod(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	var every10 []time.Time
	for i := range 5 {
		every10 = append(every10, t0.Add(time.Duration(i)*10*time.Second+time.Duration(i)*time.Millisecond))
	}
	if !oncePerPeriod(every10, 10*time.Second) {
		t.Error("five runs a period apart")
	}
	if oncePerPeriod([]time.Time{t0, t0.Add(200 * time.Millisecond)}, time.Hour) {
		t.Error("two runs 200 ms apart of an hourly job")
	}
	if oncePerPeriod(nil, time.Hour) {
		t.Error("a job that never ran")
	}
}
