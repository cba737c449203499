package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

const accessClients = 32

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

type loadResult struct {
	requests, failures int
	reqS               float64
	sorted             []time.Duration
}

// load sends GETs from accessClients clients over loopback for d.
func (b *bench) load(ctx context.Context, path, token string, d time.Duration) (loadResult, error) {
	tr := &http.Transport{MaxIdleConns: accessClients, MaxIdleConnsPerHost: accessClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var res loadResult
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range accessClients {
		wg.Go(func() {
			var mine []time.Duration
			failures := 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.baseURL+path, nil)
				req.Header.Set("PRIVATE-TOKEN", token)
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
			res.sorted = append(res.sorted, mine...)
			res.failures += failures
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	res.requests = len(res.sorted)
	res.reqS = float64(res.requests) / time.Since(start).Seconds()
	slices.Sort(res.sorted)
	if res.failures > 0 {
		return res, fmt.Errorf("%s: %d of %d requests failed", path, res.failures, res.requests)
	}
	return res, nil
}

// check makes one request and wants 200 with want in the body.
func (b *bench) check(path, token, want string) error {
	req, _ := http.NewRequest(http.MethodGet, b.baseURL+path, nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		return fmt.Errorf("%s: status %d: %s", path, resp.StatusCode, body)
	}
	return nil
}

func (b *bench) accessAPI(ctx context.Context) ([]Result, error) {
	if err := b.check(b.memberQuery, b.memberToken, `"allowed":true`); err != nil {
		return nil, err
	}
	if err := b.check("/bench/baseline", "", "username"); err != nil {
		return nil, err
	}
	d := time.Duration(b.cfg.seconds) * time.Second
	fmt.Printf("access_api: %d clients, %s per side\n", accessClients, d)
	base, err := b.load(ctx, "/bench/baseline", "", d)
	if err != nil {
		return nil, err
	}
	got, err := b.load(ctx, b.memberQuery, b.memberToken, d)
	if err != nil {
		return nil, err
	}
	r := Result{Name: "access_api", Size: fmt.Sprintf("%d clients, %s, 100k users", accessClients, d),
		P50ms: ms(percentile(got.sorted, 50)), P99ms: ms(percentile(got.sorted, 99)),
		BaselineP50ms: ms(percentile(base.sorted, 50)), BaselineP99ms: ms(percentile(base.sorted, 99)), ReqS: round2(got.reqS), BaselineReqS: round2(base.reqS),
		RSSMB: peakRSSMB(), Target: "req/s >= 0.5x baseline, p99 < 10 ms"}
	if got.reqS > 0 {
		// As elsewhere, how many times slower than the baseline.
		r.Ratio = round2(base.reqS / got.reqS)
	}
	r.Pass = r.Ratio <= 2 && r.P99ms < 10
	return []Result{r}, nil
}
