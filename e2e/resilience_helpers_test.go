//go:build resilience

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The resilience tests run the real binary on a Postgres database of
// their own, created from TEST_DATABASE_URL and dropped afterwards.

const rsPassword = "resilience-horse-battery"

func rsDatabase(t *testing.T) (string, *models.Store) {
	t.Helper()
	raw := os.Getenv("TEST_DATABASE_URL")
	if raw == "" {
		t.Skip("TEST_DATABASE_URL not set: the resilience tests need Postgres")
	}
	admin, err := models.Open(raw, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	adb, err := admin.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "duoadmin_resilience_" + hex.EncodeToString(b)
	if _, err := adb.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	u.Path = "/" + name
	store, err := models.Open(u.String(), storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		store.Close()
		_, _ = adb.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	if _, err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u.String(), store
}

// rsSeed is an admin with an API token and n active users, all eligible
// for seats on an Ultimate instance; users go in with one INSERT, as
// creating 10,000 one by one would be most of the test's time.
type rsSeed struct {
	admin   *models.User
	token   string
	userIDs []int64
}

func rsSeedUsers(t *testing.T, store *models.Store, prefix string, n int) []int64 {
	t.Helper()
	db, _ := store.SQLDB()
	rows, err := db.Query(`INSERT INTO users (username, name, email, last_activity_on)
		SELECT $1 || g, 'User ' || g, $1 || g || '@example.com', current_date FROM generate_series(1, $2::int) g RETURNING id`, prefix, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) != n {
		t.Fatalf("seeded %d users, want %d", len(ids), n)
	}
	return ids
}

func rsSetup(t *testing.T, store *models.Store, users int) rsSeed {
	t.Helper()
	ctx := context.Background()
	db, _ := store.SQLDB()
	if _, err := db.Exec("UPDATE instance_settings SET plan = 'ultimate'"); err != nil {
		t.Fatal(err)
	}
	admin, err := store.CreateUser(ctx, models.Actor{Username: "test"}, models.UserInput{Username: "admin", Name: "Ada Admin",
		Email: "admin@example.com", Admin: true, Password: rsPassword})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := store.CreatePersonalAccessToken(ctx, models.ActorFor(admin), admin, "resilience", nil)
	if err != nil {
		t.Fatal(err)
	}
	return rsSeed{admin: admin, token: tok, userIDs: rsSeedUsers(t, store, "user", users)}
}

func rsPurchase(t *testing.T, store *models.Store, seed rsSeed, addOn models.AddOn, quantity int) *models.AddOnPurchase {
	t.Helper()
	p, err := store.CreatePurchase(context.Background(), models.ActorFor(seed.admin), models.SelfManaged, models.PurchaseInput{
		AddOn: addOn, Quantity: quantity, ExpiresOn: models.Today().AddDays(30)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rsCount(t *testing.T, store *models.Store, q string, args ...any) int {
	t.Helper()
	db, _ := store.SQLDB()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	rsBuildOnce sync.Once
	rsBinary    string
	rsBuildErr  error
)

// rsBuild compiles cmd/duoadmin once per test process.
func rsBuild(t *testing.T) string {
	t.Helper()
	rsBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "duoadmin-resilience-")
		if err != nil {
			rsBuildErr = err
			return
		}
		rsBinary = filepath.Join(dir, "duoadmin")
		cmd := exec.Command("go", "build", "-o", rsBinary, "./cmd/duoadmin")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			rsBuildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if rsBuildErr != nil {
		t.Fatal(rsBuildErr)
	}
	return rsBinary
}

// rsServer is one run of the binary.
type rsServer struct {
	t     *testing.T
	cmd   *exec.Cmd
	url   string
	addr  string
	dbURL string
	log   *bytes.Buffer
	done  chan struct{}
}

func rsFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func rsStart(t *testing.T, dbURL, addr string) *rsServer {
	t.Helper()
	bin := rsBuild(t)
	if addr == "" {
		addr = rsFreeAddr(t)
	}
	s := &rsServer{t: t, url: "http://" + addr, addr: addr, dbURL: dbURL, log: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Dir = t.TempDir()
	s.cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LISTEN_ADDR="+addr, "BASE_URL="+s.url,
		"SESSION_SECRET="+strings.Repeat("r", 32), "DUO_DEPLOYMENT=self_managed", "SMTP_HOST=")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.kill)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			t.Fatalf("server exited at start:\n%s", s.log.String())
		default:
		}
		if res, err := http.Get(s.url + "/-/liveness"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server not live after 60s:\n%s", s.log.String())
	return nil
}

// kill is kill -9: no shutdown, no deferred work.
func (s *rsServer) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// rss is the server's resident memory in KiB.
func (s *rsServer) rss() int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	s.t.Fatal("no VmRSS")
	return 0
}

type rsResult struct {
	status int
	body   string
	err    error
	start  time.Time
	took   time.Duration
}

// rsDo sends one request; the client gives up after 15 s, far past every
// limit asserted, so a hang shows as a long duration or an error.
func rsDo(hc *http.Client, method, url, token, contentType, body string) rsResult {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	r := rsResult{start: time.Now()}
	res, err := hc.Do(req)
	if err != nil {
		r.err, r.took = err, time.Since(r.start)
		return r
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	r.status, r.body, r.err, r.took = res.StatusCode, string(b), err, time.Since(r.start)
	return r
}

func rsClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 15 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

var rsTokenInput = regexp.MustCompile(`name="authenticity_token" value="([^"]+)"`)

// rsSignIn is a browser session of the admin, through the sign-in form.
func rsSignIn(t *testing.T, base string) *http.Client {
	t.Helper()
	hc := rsClient()
	r := rsDo(hc, http.MethodGet, base+"/users/sign_in", "", "", "")
	m := rsTokenInput.FindStringSubmatch(r.body)
	if r.err != nil || m == nil {
		t.Fatalf("sign-in page: %v status %d", r.err, r.status)
	}
	form := url.Values{"authenticity_token": {m[1]}, "user[login]": {"admin"}, "user[password]": {rsPassword}}
	r = rsDo(hc, http.MethodPost, base+"/users/sign_in", "", "application/x-www-form-urlencoded", form.Encode())
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign in: %v status %d", r.err, r.status)
	}
	return hc
}

func rsIDsJSON(ids []int64) string {
	var b strings.Builder
	b.WriteString(`{"user_ids":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteString("]}")
	return b.String()
}

// rsProxy forwards loopback TCP to Postgres and can cut the line: while
// down it drops every open connection and hangs up on new ones at once,
// as a Postgres that is shutting down does.
type rsProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newRSProxy(t *testing.T, target string) *rsProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &rsProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.setDown(true) })
	go p.serve()
	return p
}

func (p *rsProxy) addr() string { return p.ln.Addr().String() }

func (p *rsProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		if !down {
			p.conns[c] = true
		}
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		go p.pipe(c)
	}
}

func (p *rsProxy) pipe(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		p.drop(c)
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		up.Close()
		p.drop(c)
		return
	}
	p.conns[up] = true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(up, c); p.drop(up); p.drop(c) }()
	_, _ = io.Copy(c, up)
	p.drop(up)
	p.drop(c)
}

func (p *rsProxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *rsProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
			delete(p.conns, c)
		}
	}
}
