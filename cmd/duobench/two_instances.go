package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"duoadmin/models"
)

const (
	// removals is how many seat removals the staleness is measured over.
	removals = 200
	// staleAfter: an answer still "allowed" this long after the removal's
	// commit is stale.
	staleAfter = time.Second
	// jobsWait is how long both instances run: past the scheduler's last
	// first run (a minute, plus 7 s per letter of the longest job name).
	jobsWait = 3 * time.Minute
	// twoInstanceClients load each instance in the background, each asking
	// every twoInstanceEvery: 200 questions a second per instance, 400 in
	// all, the mix's 2,000 users each asking every 5 s. Paced, not as fast
	// as answers come: unpaced, 16 clients keep both cores busy, and every
	// process — Postgres delivering the notification, B's listener, the
	// bench asking — waits its turn for a CPU, so the staleness measured is
	// the machine's run queue (access_api measures the saturated case).
	twoInstanceClients = 8
	twoInstanceEvery   = 40 * time.Millisecond
)

// instance is one `duoadmin serve` process the bench started.
type instance struct {
	name    string
	cmd     *osexec.Cmd
	baseURL string
	logPath string
	done    chan error
	stopped sync.Once
}

// twoInstances runs two `serve` processes on the bench database, as two
// app instances behind a load balancer: access load on both, seat
// removals through A. It measures the staleness — from a removal's commit
// on A (its response) to the first "not allowed" from B — over removals
// removals, and, with both running past the scheduler's first runs, that
// each scheduled job ran once and each mail was sent once.
func (b *bench) twoInstances(ctx context.Context) ([]Result, error) {
	dir, err := os.MkdirTemp("", "duobench-serve-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "duoadmin")
	fmt.Println("two_instances: building duoadmin")
	if out, err := osexec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/duoadmin").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/duoadmin: %w\n%s", err, out)
	}
	mix, err := b.accessMix(ctx)
	if err != nil {
		return nil, err
	}
	// Every job due, no mail waiting: what follows is this scenario's.
	if err := b.forgetScenarioWrites(ctx); err != nil {
		return nil, err
	}
	if _, err := b.db.ExecContext(ctx, `DELETE FROM job_runs`); err != nil {
		return nil, err
	}
	sink, err := newSMTPSink()
	if err != nil {
		return nil, err
	}
	defer sink.close()
	secret, key := randomHex(32), randomHex(32)
	var insts []*instance
	defer func() {
		for _, in := range insts {
			in.stop()
		}
	}()
	started := time.Now()
	for _, name := range []string{"A", "B"} {
		in, err := startInstance(ctx, bin, dir, name, []string{"DATABASE_URL=" + b.dbURL, "DUO_DEPLOYMENT=gitlab_com",
			"SESSION_SECRET=" + secret, "ENCRYPTION_KEY=" + key, "SMTP_HOST=127.0.0.1", "SMTP_PORT=" + strconv.Itoa(sink.port())})
		if err != nil {
			return nil, err
		}
		insts = append(insts, in)
	}
	a, bInst := insts[0], insts[1]
	fmt.Printf("two_instances: A %s, B %s; %d removals, then running to %s for the jobs\n", a.baseURL, bInst.baseURL, removals, jobsWait)

	// Access load on both for the whole scenario.
	loadCtx, stopLoad := context.WithCancel(ctx)
	var loadWG sync.WaitGroup
	var loaded [2]loadResult
	for i, in := range insts {
		loadWG.Go(func() {
			loaded[i], _, _ = b.loadPaced(loadCtx, in.baseURL, twoInstanceClients, twoInstanceEvery, uint64(i+100), time.Hour, func(rng *mrand.Rand) (string, string) {
				p := mix.pairs[rng.IntN(len(mix.pairs))]
				return "/api/v4/duo/access?" + p.query, p.token
			})
		})
	}
	stale, staleCount, parts, err := b.measureStaleness(ctx, mix, a, bInst)
	if err == nil {
		// Both keep running until every job's first check has passed.
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(time.Until(started.Add(jobsWait))):
		}
	}
	stopLoad()
	loadWG.Wait()
	if err != nil {
		return nil, err
	}
	pending := -1
	waitErr := waitFor(90*time.Second, func() bool {
		_ = b.db.QueryRowContext(ctx, `SELECT count(*) FROM email_outbox WHERE sent_at IS NULL`).Scan(&pending)
		return pending == 0
	}, "the outbox did not empty")
	var queued int
	if err := b.db.QueryRowContext(ctx, `SELECT count(*) FROM email_outbox`).Scan(&queued); err != nil {
		return nil, err
	}
	for _, in := range insts {
		in.stop()
	}
	ran, err := jobRuns(insts)
	if err != nil {
		return nil, err
	}
	if err := b.resetSeats(ctx); err != nil {
		return nil, err
	}

	slices.Sort(stale)
	st := Result{Name: "two_instances_staleness", Size: fmt.Sprintf("2 serve processes, %d clients each, %d users", twoInstanceClients, b.size.Users),
		P50ms: ms(percentile(stale, 50)), P99ms: ms(percentile(stale, 99)), Samples: len(stale), RSSMB: peakRSSMB(),
		Target: "p99 < 100 ms, 0 stale after 1 s",
		Notes: fmt.Sprintf("%d removals through A, %d answers from B still allowed 1 s after the commit; background access load %d requests on A, %d on B (8 clients each, one question every 40 ms per client); %s",
			len(stale), staleCount, loaded[0].requests, loaded[1].requests, parts)}
	st.Pass = len(stale) >= minSamples && st.P99ms < 100 && staleCount == 0
	total, distinct, dup := sink.counts()
	var jobs []string
	jobsOK := true
	for _, j := range models.Jobs {
		jobs = append(jobs, fmt.Sprintf("%s %d", j.Name, len(ran[j.Name])))
		if !oncePerPeriod(ran[j.Name], j.Every) {
			jobsOK = false
		}
	}
	jm := Result{Name: "two_instances_jobs_mail", Size: fmt.Sprintf("2 serve processes for %s", jobsWait), RSSMB: peakRSSMB(),
		Target: "each job once per period, each mail once",
		Notes: fmt.Sprintf("runs per job over both instances: %s; mail: %d queued, %d delivered, %d distinct, %d delivered more than once, %d unsent",
			strings.Join(jobs, ", "), queued, total, distinct, dup, pending)}
	jm.Pass = jobsOK && waitErr == nil && queued > 0 && total == queued && distinct == queued && dup == 0
	return []Result{st, jm}, nil
}

// measureStaleness removes a seat through A, then asks B until it answers
// "not allowed", removals times; each seat is given back through A
// (untimed) and B is asked until it answers "allowed" again before the
// next removal.
func (b *bench) measureStaleness(ctx context.Context, mix *accessMix, a, bInst *instance) ([]time.Duration, int, *stalenessParts, error) {
	type target struct {
		pair     accessPair
		username string
	}
	var targets []target
	for _, p := range mix.pairs {
		if len(targets) == 20 {
			break
		}
		allowed, err := askAccess(ctx, bInst.baseURL, p)
		if err != nil {
			return nil, 0, nil, err
		}
		if !allowed {
			continue
		}
		var name string
		if err := b.db.QueryRowContext(ctx, `SELECT username FROM users WHERE id = $1`, p.userID).Scan(&name); err != nil {
			return nil, 0, nil, err
		}
		targets = append(targets, target{p, name})
	}
	if len(targets) == 0 {
		return nil, 0, nil, errors.New("two_instances: no user of the mix is allowed on B")
	}
	watch, err := watchNotifications(ctx, b.dbURL)
	if err != nil {
		return nil, 0, nil, err
	}
	defer watch.stop()
	path := fmt.Sprintf("%s/api/v4/add_on_purchases/%d/assignments", a.baseURL, b.syn.Purchase.ID)
	var out []time.Duration
	parts := &stalenessParts{}
	stale := 0
	for i := range removals {
		t := targets[i%len(targets)]
		body, _ := json.Marshal(map[string]any{"usernames": []string{t.username}})
		sent := time.Now()
		if err := b.ownerCall(ctx, http.MethodDelete, path, body); err != nil {
			return nil, 0, nil, err
		}
		committed := time.Now()
		counted := false
		for asks := 1; ; asks++ {
			asked := time.Now()
			allowed, err := askAccess(ctx, bInst.baseURL, t.pair)
			if err != nil {
				return nil, 0, nil, err
			}
			since := time.Since(committed)
			if !allowed {
				out = append(out, since)
				if at, ok := watch.after(t.pair.userID, sent, time.Second); ok {
					parts.add(since, at.Sub(committed), time.Since(asked), asks)
				}
				break
			}
			if since > staleAfter && !counted {
				stale, counted = stale+1, true
			}
			if since > 30*time.Second {
				return nil, 0, nil, fmt.Errorf("two_instances: B still allows %s 30 s after the removal", t.username)
			}
		}
		if err := b.ownerCall(ctx, http.MethodPost, path, body); err != nil {
			return nil, 0, nil, err
		}
		if err := waitFor(30*time.Second, func() bool { ok, _ := askAccess(ctx, bInst.baseURL, t.pair); return ok },
			"B did not see the seat given back"); err != nil {
			return nil, 0, nil, err
		}
	}
	return out, stale, parts, nil
}

// ownerCall is the group owner's call of the seat assignments API.
func (b *bench) ownerCall(ctx context.Context, method, url string, body []byte) error {
	req, _ := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	req.Header.Set("PRIVATE-TOKEN", b.ownerToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d: %s", method, url, resp.StatusCode, msg)
	}
	return nil
}

// askAccess is one access API call: is the pair's user allowed?
func askAccess(ctx context.Context, base string, p accessPair) (bool, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v4/duo/access?"+p.query, nil)
	req.Header.Set("PRIVATE-TOKEN", p.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	// Read to the end, so the connection is reused: a new one per question
	// would add its setup to every staleness measured.
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return false, err
	}
	var out struct {
		Allowed bool `json:"allowed"`
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("access API: status %d", resp.StatusCode)
	}
	err = json.Unmarshal(data, &out)
	return out.Allowed, err
}

func startInstance(ctx context.Context, bin, dir, name string, env []string) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	in := &instance{name: name, baseURL: "http://" + addr, logPath: filepath.Join(dir, name+".log"), done: make(chan error, 1)}
	logFile, err := os.Create(in.logPath)
	if err != nil {
		return nil, err
	}
	in.cmd = osexec.Command(bin, "serve", "--no-migrate")
	in.cmd.Env = append(os.Environ(), append(env, "LISTEN_ADDR="+addr, "BASE_URL="+in.baseURL)...)
	in.cmd.Stdout, in.cmd.Stderr = logFile, logFile
	if err := in.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() { in.done <- in.cmd.Wait(); logFile.Close() }()
	err = waitFor(60*time.Second, func() bool {
		resp, err := http.Get(in.baseURL + "/-/readiness")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "instance "+name+" did not become ready")
	if err != nil {
		in.stop()
		log, _ := os.ReadFile(in.logPath)
		return nil, fmt.Errorf("%w: %s", err, tail(string(log), 2000))
	}
	return in, ctx.Err()
}

// stop ends the process as an orchestrator does (SIGTERM, then after
// 25 s a kill); stopping twice is harmless.
func (in *instance) stop() {
	in.stopped.Do(func() {
		_ = in.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.done:
		case <-time.After(25 * time.Second):
			_ = in.cmd.Process.Kill()
			<-in.done
		}
	})
}

// jobRuns reads the "job ran" lines in the instances' logs: when each job
// ran, by job, both instances' runs together and in order.
func jobRuns(insts []*instance) (map[string][]time.Time, error) {
	out := map[string][]time.Time{}
	for _, in := range insts {
		f, err := os.Open(in.logPath)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if !bytes.Contains(line, []byte(`"job ran"`)) {
				continue
			}
			var rec struct {
				Time     time.Time
				Msg, Job string
			}
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "job ran" {
				out[rec.Job] = append(out[rec.Job], rec.Time)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	for _, ts := range out {
		slices.SortFunc(ts, time.Time.Compare)
	}
	return out, nil
}

// oncePerPeriod tells whether a job's runs, over both instances, are each
// at least a period apart: a job whose period is shorter than the
// scenario (rule_queue, every 10 s) runs several times, never twice in one
// period. The second's slack is the log's timestamps against the
// database's record of the run.
func oncePerPeriod(runs []time.Time, every time.Duration) bool {
	for i := 1; i < len(runs); i++ {
		if runs[i].Sub(runs[i-1]) < every-time.Second {
			return false
		}
	}
	return len(runs) > 0
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
