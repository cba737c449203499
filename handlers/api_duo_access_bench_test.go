package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/static"
)

// The access API is what IDEs call constantly. This load test puts it next
// to a baseline that does one primary-key SELECT through the same pool, on
// Postgres with 100,000 users who are all members of acme/platform and
// hold a Duo Pro seat:
//
//	TEST_DATABASE_URL=… go test ./handlers -run '^$' -bench APIDuoAccess -benchtime 1x
//
// Client and server share the machine's CPUs, so the figures are a floor.

const (
	benchUsers   = 100000
	benchClients = 32
	benchFor     = 5 * time.Second
)

type accessBench struct {
	url   string
	token string
}

func newAccessBench(b *testing.B, d models.Deployment) *accessBench {
	b.Helper()
	ctx := context.Background()
	store := storetest.PostgresOnly(b)
	db, err := store.SQLDB()
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	actor := models.Actor{Username: "bench"}
	acme, err := store.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
	if err != nil {
		b.Fatal(err)
	}
	platform, err := store.CreateGroup(ctx, actor, acme, models.GroupInput{Path: "platform", Name: "Platform"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := store.CreateProject(ctx, actor, platform, models.ProjectInput{Path: "core", Name: "Core"}); err != nil {
		b.Fatal(err)
	}
	exec(`INSERT INTO users (username, name, email)
		SELECT 'user' || gs, 'User ' || gs, 'user' || gs || '@example.com' FROM generate_series(1, $1::int) gs`, benchUsers)
	exec(`INSERT INTO members (user_id, source_type, source_id, access_level)
		SELECT id, 'Namespace', $1::bigint, 30 FROM users`, platform.ID)
	in := models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: benchUsers, ExpiresOn: models.Today().AddDays(300)}
	if d == models.GitLabCom {
		in.NamespaceID = &acme.ID
	} else if err := store.SetInstancePlan(ctx, actor, models.PlanUltimate); err != nil {
		b.Fatal(err)
	}
	p, err := store.CreatePurchase(ctx, actor, d, in)
	if err != nil {
		b.Fatal(err)
	}
	exec(`INSERT INTO seat_assignments (add_on_purchase_id, user_id) SELECT $1::bigint, id FROM users`, p.ID)
	exec(`ANALYZE`)
	u, err := store.UserByUsername(ctx, fmt.Sprintf("user%d", benchUsers/2))
	if err != nil {
		b.Fatal(err)
	}
	token, err := store.CreatePersonalAccessToken(ctx, actor, u, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}

	srv := mustServer(b, handlers.Options{Store: store, Deployment: d, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("s", 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS})
	// The baseline: one primary-key lookup of a random user, through the
	// same middleware and pool, without a token.
	srv.Echo().GET("/bench/baseline", func(c echo.Context) error {
		var name string
		err := db.QueryRowContext(c.Request().Context(), "SELECT username FROM users WHERE id = $1",
			rand.Int64N(benchUsers)+1).Scan(&name)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]string{"username": name})
	})
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	return &accessBench{url: hs.URL, token: token}
}

type loadResult struct {
	requests int
	failures int
	elapsed  time.Duration
	p50, p99 time.Duration
}

// load sends GETs to path from benchClients clients for benchFor.
func (ab *accessBench) load(b *testing.B, path string) loadResult {
	b.Helper()
	tr := &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var all []time.Duration
	var res loadResult
	start := time.Now()
	deadline := start.Add(benchFor)
	var wg sync.WaitGroup
	for range benchClients {
		wg.Go(func() {
			var mine []time.Duration
			failures := 0
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodGet, ab.url+path, nil)
				req.Header.Set("PRIVATE-TOKEN", ab.token)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				mine = append(mine, time.Since(t0))
				if err != nil || resp.StatusCode != http.StatusOK {
					failures++
				}
			}
			mu.Lock()
			all = append(all, mine...)
			res.failures += failures
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = len(all)
	slices.Sort(all)
	if len(all) > 0 {
		res.p50 = all[len(all)*50/100]
		res.p99 = all[min(len(all)-1, len(all)*99/100)]
	}
	return res
}

func (ab *accessBench) run(b *testing.B, name, path string) {
	b.Run(name, func(b *testing.B) {
		// Warm the pool and the token's last-used stamp.
		if r := ab.load1(b, path); r != http.StatusOK {
			b.Fatalf("%s: status %d", path, r)
		}
		r := ab.load(b, path)
		if r.failures > 0 {
			b.Fatalf("%d of %d requests failed", r.failures, r.requests)
		}
		b.ReportMetric(float64(r.requests)/r.elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(r.p50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(0, "ns/op")
	})
}

func (ab *accessBench) load1(b *testing.B, path string) int {
	req, _ := http.NewRequest(http.MethodGet, ab.url+path, nil)
	req.Header.Set("PRIVATE-TOKEN", ab.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(path, "baseline") && !strings.Contains(string(body), `"allowed":true`) {
		b.Fatalf("%s: %s", path, body)
	}
	return resp.StatusCode
}

func BenchmarkAPIDuoAccess(b *testing.B) {
	for _, d := range []models.Deployment{models.SelfManaged, models.GitLabCom} {
		b.Run(string(d), func(b *testing.B) {
			ab := newAccessBench(b, d)
			ab.run(b, "baseline_pk", "/bench/baseline")
			ab.run(b, "access_no_resource", "/api/v4/duo/access?feature=code_suggestions")
			ab.run(b, "access_project", "/api/v4/duo/access?feature=code_suggestions&project=acme%2Fplatform%2Fcore")
		})
	}
}
