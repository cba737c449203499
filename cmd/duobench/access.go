package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// accessClients is the unpaced load's concurrency: as many questions in
// flight as answers come, which finds the most a second each side serves.
const accessClients = 32

// accessRate is the paced load whose answer times are the p50 and p99:
// 2,000 users each asking every 2 seconds, everyone typing at once in an
// IDE that checks on each suggestion. Under the unpaced load an answer's
// time is mostly its wait behind the other 31 (by Little's law, clients
// over req/s), so its p99 says how many clients the bench chose, not how
// fast the product answers; at a stated rate both sides face the same
// arrivals and a slow side shows as a queue.
const accessRate = 1000

type loadResult struct {
	requests, failures int
	reqS               float64
	sorted             []time.Duration
}

// add pools another segment's timings into r (req/s: over their total time).
func (r *loadResult) add(o loadResult, elapsed time.Duration, total *time.Duration) {
	r.requests += o.requests
	r.failures += o.failures
	r.sorted = append(r.sorted, o.sorted...)
	*total += elapsed
	r.reqS = float64(r.requests) / total.Seconds()
}

// load sends GETs from clients clients over loopback for d; each
// client asks pick for the next request's path and token, with a random
// source seeded by the client's number and seed, so two loads with the same
// seed send the same mix in the same order.
func (b *bench) load(ctx context.Context, base string, clients int, seed uint64, d time.Duration, pick func(*mrand.Rand) (string, string)) (loadResult, time.Duration, error) {
	return b.loadPaced(ctx, base, clients, 0, seed, d, pick)
}

// loadAtRate is load at rate requests a second in all, each client keeping
// its own schedule. An answer's time runs from when its request was due,
// not from when a client still waiting for the last answer sent it, so a
// side that falls behind pays for the queue it builds (no coordinated
// omission).
func (b *bench) loadAtRate(ctx context.Context, base string, clients, rate int, seed uint64, d time.Duration, pick func(*mrand.Rand) (string, string)) (loadResult, time.Duration, error) {
	return b.loadScheduled(ctx, base, clients, time.Duration(clients)*time.Second/time.Duration(rate), true, seed, d, pick)
}

// loadPaced is load with each client starting a request every `every`
// (when the last one has answered), as IDEs ask on their own schedule;
// 0 is as fast as answers come.
func (b *bench) loadPaced(ctx context.Context, base string, clients int, every time.Duration, seed uint64, d time.Duration, pick func(*mrand.Rand) (string, string)) (loadResult, time.Duration, error) {
	return b.loadScheduled(ctx, base, clients, every, false, seed, d, pick)
}

// loadScheduled is loadPaced; fromDue times each answer from when its
// request was due rather than from when it was sent.
func (b *bench) loadScheduled(ctx context.Context, base string, clients int, every time.Duration, fromDue bool, seed uint64, d time.Duration, pick func(*mrand.Rand) (string, string)) (loadResult, time.Duration, error) {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var res loadResult
	var firstErr string
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(seed, uint64(i)))
			var mine []time.Duration
			failures := 0
			failure := ""
			next := time.Now()
			for ((fromDue && every > 0) || time.Now().Before(deadline)) && ctx.Err() == nil {
				if every > 0 {
					// Spread the clients over the interval, then keep time.
					if next = next.Add(every); len(mine) == 0 {
						next = next.Add(time.Duration(i) * every / time.Duration(clients))
					}
					if fromDue && next.After(deadline) {
						// Every request due in time is sent, however late:
						// a side behind schedule answers its whole queue.
						break
					}
					select {
					case <-ctx.Done():
					case <-time.After(time.Until(next)):
					}
					if ctx.Err() != nil {
						break
					}
				}
				path, token := pick(rng)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
				req.Header.Set("PRIVATE-TOKEN", token)
				t0 := time.Now()
				if fromDue && every > 0 {
					t0 = next
				}
				resp, err := client.Do(req)
				status := 0
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				mine = append(mine, time.Since(t0))
				if err != nil || status != http.StatusOK {
					failures++
					if failure == "" {
						failure = fmt.Sprintf("%s: status %d %v", path, status, err)
					}
				}
			}
			mu.Lock()
			res.sorted = append(res.sorted, mine...)
			res.failures += failures
			if firstErr == "" {
				firstErr = failure
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.requests = len(res.sorted)
	res.reqS = float64(res.requests) / elapsed.Seconds()
	if err := ctx.Err(); err != nil {
		return res, elapsed, err
	}
	if res.failures > 0 {
		return res, elapsed, fmt.Errorf("%d of %d requests failed, first: %s", res.failures, res.requests, firstErr)
	}
	return res, elapsed, nil
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

// accessRounds is how many alternating segments each side's time is cut
// into: baseline, uncached and cached take turns, so a drift of the
// machine (another process, autovacuum) falls on all three alike.
func accessRounds(seconds int) int { return max(1, min(seconds/2, 5)) }

// accessAPI is a user's day: accessUsers users, each with their own token,
// ask about accessResources projects and groups they belong to (each
// client picks a pair at random per request), while a background writer
// changes one seat and one membership a second through the Store, each
// commit retiring its user's access cache entries as in production (the
// notification names the user; migration 00030). Three sides take
// turns on the same mix in the same order: the baseline (the same
// question answered by one plain statement, baseline.go), the product with
// the access cache off (access_api_uncached: every call reads the
// database) and the product as serve runs it (access_api, the cache kept
// live by the change listener). Every segment starts from the same tables:
// the writer undoes its changes, untimed, after each.
func (b *bench) accessAPI(ctx context.Context) ([]Result, error) {
	mix, err := b.accessMix(ctx)
	if err != nil {
		return nil, err
	}
	product := func(rng *mrand.Rand) (string, string) {
		p := mix.pairs[rng.IntN(len(mix.pairs))]
		return "/api/v4/duo/access?" + p.query, p.token
	}
	baseline := func(rng *mrand.Rand) (string, string) {
		p := mix.pairs[rng.IntN(len(mix.pairs))]
		return baselinePath + "?" + p.query, p.token
	}
	first := mix.pairs[0]
	if err := b.check("/api/v4/duo/access?"+first.query, first.token, `"allowed":`); err != nil {
		return nil, err
	}
	if err := b.check(baselinePath+"?"+first.query, first.token, `"allowed":`); err != nil {
		return nil, err
	}
	rounds := accessRounds(b.cfg.seconds)
	seg := time.Duration(b.cfg.seconds) * time.Second / time.Duration(rounds)
	fmt.Printf("access_api: %d clients, %d users over %d projects and groups, a seat and a membership changed every second; %d rounds of %s per side\n",
		accessClients, len(mix.users), mix.resources, rounds, seg)
	// Each side's turn is its unpaced segment (req/s) and then, with the
	// same cache and writer, its paced one (the answer times).
	paced := seg / 2
	var base, cold, hot, basePaced, coldPaced, hotPaced loadResult
	var baseT, coldT, hotT, basePacedT, coldPacedT, hotPacedT time.Duration
	var hits, lookups, retired, emptied uint64
	for round := range rounds {
		seed := uint64(round + 1)
		sides := []string{"baseline", "uncached", "cached"}
		if round%2 == 1 {
			slices.Reverse(sides)
		}
		for _, side := range sides {
			if err := b.setListener(ctx, side == "cached"); err != nil {
				return nil, err
			}
			if err := mix.steadyTokenUse(ctx, b); err != nil {
				return nil, err
			}
			w := mix.startWriter(ctx, b)
			before := b.store.AccessCacheStats()
			pick, unpaced, unpacedT, atRate, atRateT := product, &hot, &hotT, &hotPaced, &hotPacedT
			switch side {
			case "baseline":
				pick, unpaced, unpacedT, atRate, atRateT = baseline, &base, &baseT, &basePaced, &basePacedT
			case "uncached":
				unpaced, unpacedT, atRate, atRateT = &cold, &coldT, &coldPaced, &coldPacedT
			}
			r, el, err := b.load(ctx, b.baseURL, accessClients, seed, seg, pick)
			if err == nil {
				unpaced.add(r, el, unpacedT)
				r, el, err = b.loadAtRate(ctx, b.baseURL, accessClients, accessRate, seed+100, paced, pick)
				atRate.add(r, el, atRateT)
			}
			if side == "cached" {
				after := b.store.AccessCacheStats()
				for _, k := range []string{"token", "facts"} {
					h, m := after.Hits[k]-before.Hits[k], after.Misses[k]-before.Misses[k]
					hits, lookups = hits+h, lookups+h+m
				}
				retired += after.Retired - before.Retired
				emptied += after.Generation - before.Generation
			}
			werr := w.stop()
			if err != nil {
				return nil, fmt.Errorf("access_api %s: %w", side, err)
			}
			if werr != nil {
				return nil, fmt.Errorf("access_api writer: %w", werr)
			}
		}
	}
	for _, r := range []*loadResult{&base, &cold, &hot, &basePaced, &coldPaced, &hotPaced} {
		slices.Sort(r.sorted)
	}
	size := fmt.Sprintf("%d clients, %d users with their own tokens over %d projects and groups, 1 seat + 1 membership change/s; %d users",
		accessClients, len(mix.users), mix.resources, b.size.Users)
	cached := accessResult("access_api", size+", access cache live", hot, base, hotPaced, basePaced, 2, 10)
	if lookups > 0 {
		rate := round2(float64(hits) / float64(lookups))
		cached.HitRate = &rate
		// Each segment starts cold (the listener is started for it), so
		// its first question of each user's token and pair is a miss: the
		// misses the writer's changes cause are the retired entries.
		cached.Notes = fmt.Sprintf("%d lookups, %d misses: at most %d of them filling the cache at each segment's start (%d segments), %d entries retired by the writer's changes, the cache emptied whole %d times",
			lookups, lookups-hits, 2*len(mix.pairs)*rounds, rounds, retired, emptied) + "; " + unpacedNote(hot, base)
	}
	uncached := accessResult("access_api_uncached", size+", access cache off", cold, base, coldPaced, basePaced, 3, 20)
	uncached.Notes = unpacedNote(cold, base)
	return []Result{cached, uncached}, nil
}

// accessResult judges a side against the baseline's: at most maxRatio
// times fewer requests a second unpaced (got, base), and a p99 under
// p99ms at accessRate (gotPaced; basePaced is the baseline's there).
func accessResult(name, size string, got, base, gotPaced, basePaced loadResult, maxRatio, p99ms float64) Result {
	r := Result{Name: name, Size: size,
		P50ms: ms(percentile(gotPaced.sorted, 50)), P99ms: ms(percentile(gotPaced.sorted, 99)),
		BaselineP50ms: ms(percentile(basePaced.sorted, 50)), BaselineP99ms: ms(percentile(basePaced.sorted, 99)), ReqS: round2(got.reqS), BaselineReqS: round2(base.reqS),
		RSSMB: peakRSSMB(), Samples: len(gotPaced.sorted), BaselineSamples: len(basePaced.sorted),
		Target: fmt.Sprintf("req/s >= %.2gx baseline (%d clients, unpaced), p99 < %.0f ms at %d req/s", 1/maxRatio, accessClients, p99ms, accessRate)}
	if got.reqS > 0 {
		// As elsewhere, how many times slower than the baseline.
		r.Ratio = round2(base.reqS / got.reqS)
	}
	r.Pass = r.Ratio > 0 && r.Ratio <= maxRatio && r.P99ms < p99ms && len(gotPaced.sorted) >= minSamples
	return r
}

// unpacedNote gives the unpaced load's own answer times, which the table
// leaves out (accessRate says why) but a reader may want.
func unpacedNote(got, base loadResult) string {
	return fmt.Sprintf("unpaced (%d clients): p50 %.2f / p99 %.2f ms over %d answers, baseline p50 %.2f / p99 %.2f ms over %d",
		accessClients, ms(percentile(got.sorted, 50)), ms(percentile(got.sorted, 99)), len(got.sorted),
		ms(percentile(base.sorted, 50)), ms(percentile(base.sorted, 99)), len(base.sorted))
}

// setListener starts or stops the change listener as serve runs it, and
// waits until the cache is live or off.
func (b *bench) setListener(ctx context.Context, on bool) error {
	if on {
		return b.startListener(ctx)
	}
	if b.stopListening != nil {
		b.stopListening()
		b.stopListening = nil
	}
	return waitFor(10*time.Second, func() bool { return !b.store.AccessCacheLive() }, "the change listener did not stop")
}

// startListener starts the change listener as serve does and waits until
// the cache is live.
func (b *bench) startListener(ctx context.Context) error {
	if b.stopListening != nil {
		return nil
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.store.ListenForChanges(lctx, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}()
	b.stopListening = func() { cancel(); <-done }
	return waitFor(10*time.Second, b.store.AccessCacheLive, "access cache: the change listener did not start")
}

func waitFor(limit time.Duration, cond func() bool, msg string) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New(msg + " within " + limit.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}
