package handlers

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type routeKey struct{ method, route string }

type routeStats struct {
	byStatus map[int]uint64
	buckets  []uint64
	sum      float64
	count    uint64
}

// metrics is a small Prometheus exposition of request counts and latencies.
type metrics struct {
	mu     sync.Mutex
	routes map[routeKey]*routeStats
	panics atomic.Uint64
}

func newMetrics() *metrics { return &metrics{routes: map[routeKey]*routeStats{}} }

// Labels come from a closed set, so that no visitor can grow the metrics
// (and the memory holding them) by inventing methods or paths: methods
// outside the usual ones count as "other", and a request no route took
// counts as "unmatched".
const (
	otherMethod    = "other"
	unmatchedRoute = "unmatched"
)

func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return otherMethod
}

// routeLabel: route is an echo pattern (echo never reports the request's
// path) or a scoped pattern set by the group and project dispatchers. ""
// is a 404 from the router; the dispatchers' own catch-alls mean that no
// group or project route matched, and the api group's not-found routes
// that no API route did.
func routeLabel(route string) string {
	switch route {
	case "", "/*", "/groups/*", apiPrefix, apiPrefix + "/*":
		return unmatchedRoute
	}
	return route
}

// panicked counts a handler panic that recoverPanics turned into a 500.
func (m *metrics) panicked() { m.panics.Add(1) }

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := routeKey{methodLabel(method), routeLabel(route)}
	st := m.routes[k]
	if st == nil {
		st = &routeStats{byStatus: map[int]uint64{}, buckets: make([]uint64, len(latencyBuckets))}
		m.routes[k] = st
	}
	st.byStatus[status]++
	secs := d.Seconds()
	for i, le := range latencyBuckets {
		if secs <= le {
			st.buckets[i]++
		}
	}
	st.sum += secs
	st.count++
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]routeKey, 0, len(m.routes))
	for k := range m.routes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].method < keys[j].method
	})
	fmt.Fprintln(w, "# HELP duoadmin_http_requests_total HTTP requests by method, route and status code.")
	fmt.Fprintln(w, "# TYPE duoadmin_http_requests_total counter")
	for _, k := range keys {
		st := m.routes[k]
		codes := make([]int, 0, len(st.byStatus))
		for c := range st.byStatus {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		for _, code := range codes {
			fmt.Fprintf(w, "duoadmin_http_requests_total{method=%q,route=%q,code=\"%d\"} %d\n", k.method, k.route, code, st.byStatus[code])
		}
	}
	fmt.Fprintln(w, "# HELP duoadmin_http_request_duration_seconds HTTP request latency by method and route.")
	fmt.Fprintln(w, "# TYPE duoadmin_http_request_duration_seconds histogram")
	for _, k := range keys {
		st := m.routes[k]
		for i, le := range latencyBuckets {
			fmt.Fprintf(w, "duoadmin_http_request_duration_seconds_bucket{method=%q,route=%q,le=%q} %d\n", k.method, k.route, strconv.FormatFloat(le, 'g', -1, 64), st.buckets[i])
		}
		fmt.Fprintf(w, "duoadmin_http_request_duration_seconds_bucket{method=%q,route=%q,le=\"+Inf\"} %d\n", k.method, k.route, st.count)
		fmt.Fprintf(w, "duoadmin_http_request_duration_seconds_sum{method=%q,route=%q} %g\n", k.method, k.route, st.sum)
		fmt.Fprintf(w, "duoadmin_http_request_duration_seconds_count{method=%q,route=%q} %d\n", k.method, k.route, st.count)
	}
	fmt.Fprintln(w, "# HELP duoadmin_http_panics_total Handler panics recovered as a 500; each is logged with its request id.")
	fmt.Fprintln(w, "# TYPE duoadmin_http_panics_total counter")
	fmt.Fprintf(w, "duoadmin_http_panics_total %d\n", m.panics.Load())
}

func (s *Server) getMetrics(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	c.Response().WriteHeader(200)
	s.metrics.write(c.Response())
	writeAccessCacheMetrics(c.Response(), s.store.AccessCacheStats())
	return nil
}

// writeAccessCacheMetrics shows whether the access cache serves and how
// often it answers (models/access_cache.go): a low hit rate means changes
// arrive faster than IDEs repeat their questions.
func writeAccessCacheMetrics(w io.Writer, st models.AccessCacheStats) {
	live := 0
	if st.Live {
		live = 1
	}
	fmt.Fprintln(w, "# HELP duoadmin_access_cache_live Whether the access cache serves (1) or every access call reads the database (0).")
	fmt.Fprintln(w, "# TYPE duoadmin_access_cache_live gauge")
	fmt.Fprintf(w, "duoadmin_access_cache_live %d\n", live)
	fmt.Fprintln(w, "# HELP duoadmin_access_cache_lookups_total Access cache lookups while it was live, by kind and result.")
	fmt.Fprintln(w, "# TYPE duoadmin_access_cache_lookups_total counter")
	for _, kind := range []string{"facts", "token"} {
		fmt.Fprintf(w, "duoadmin_access_cache_lookups_total{kind=%q,result=\"hit\"} %d\n", kind, st.Hits[kind])
		fmt.Fprintf(w, "duoadmin_access_cache_lookups_total{kind=%q,result=\"miss\"} %d\n", kind, st.Misses[kind])
	}
	fmt.Fprintln(w, "# HELP duoadmin_access_cache_invalidations_total Times everything the access cache held was retired by a change.")
	fmt.Fprintln(w, "# TYPE duoadmin_access_cache_invalidations_total counter")
	fmt.Fprintf(w, "duoadmin_access_cache_invalidations_total %d\n", st.Generation)
	fmt.Fprintln(w, "# HELP duoadmin_access_cache_changes_total Changes the access cache was told of, those naming users, groups or projects and those retiring everything.")
	fmt.Fprintln(w, "# TYPE duoadmin_access_cache_changes_total counter")
	fmt.Fprintf(w, "duoadmin_access_cache_changes_total %d\n", st.Changes)
	fmt.Fprintln(w, "# HELP duoadmin_access_cache_retired_entries_total Entries retired because a change named what they were read from.")
	fmt.Fprintln(w, "# TYPE duoadmin_access_cache_retired_entries_total counter")
	fmt.Fprintf(w, "duoadmin_access_cache_retired_entries_total %d\n", st.Retired)
}
