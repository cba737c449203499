package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// serverProcess is `duoadmin serve` in a process of its own (this test
// binary, see TestMain), on a SQLite file the test also opens.
type serverProcess struct {
	cmd  *exec.Cmd
	addr string
	out  *lockedBuffer
	done chan struct{}
	err  error // of Wait, once done is closed
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServerProcess starts the server on a free port; when another
// process takes the port between the look-up and the listen, it tries
// another.
func startServerProcess(t *testing.T, dbURL string) *serverProcess {
	t.Helper()
	for range 3 {
		if p := tryServerProcess(t, dbURL); p != nil {
			return p
		}
	}
	t.Fatal("no free port after 3 tries")
	return nil
}

func tryServerProcess(t *testing.T, dbURL string) *serverProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &serverProcess{addr: addr, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "serve")
	p.cmd.Dir = t.TempDir()
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1", "DATABASE_URL="+dbURL, "LISTEN_ADDR="+addr,
		"BASE_URL=http://"+addr, "SESSION_SECRET="+strings.Repeat("s", 32), "DUO_DEPLOYMENT=self_managed", "SMTP_HOST=")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.done:
			if strings.Contains(p.out.String(), "address already in use") {
				return nil
			}
			t.Fatalf("server exited at start: %v\n%s", p.err, p.out)
		default:
		}
		// The banner follows a successful listen: this process, and not
		// another that took the port in the meantime, is serving.
		if strings.Contains(p.out.String(), "is serving on http://"+addr) {
			return p
		}
	}
	t.Fatalf("server not serving after 30s:\n%s", p.out)
	return nil
}

// SIGTERM stops the server the way a deployment does: a request already
// under way (here one whose body is still arriving) completes, its change
// saved and its answer delivered; new connections are refused at once;
// the process then exits cleanly.
func TestSIGTERMLetsInFlightRequestsFinish(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "serve.db")
	store, err := models.Open(dbURL, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	admin, err := store.CreateUser(ctx, models.Actor{Username: "test"}, models.UserInput{Username: "root", Name: "Root",
		Email: "root@example.com", Admin: true, Password: "correct-horse-battery"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := store.CreatePersonalAccessToken(ctx, models.ActorFor(admin), admin, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServerProcess(t, dbURL)

	// The request's headers and half its body go out; the rest waits.
	body := []byte(`{"duo_availability": "never_on"}`)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPut, "http://"+srv.addr+"/api/v4/application/duo_settings", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("PRIVATE-TOKEN", token)
	type answer struct {
		status int
		body   []byte
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		answered <- answer{status: res.StatusCode, body: b, err: err}
	}()
	if _, err := pw.Write(body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	// Time for the server to accept the connection and read the headers;
	// it then waits in the handler for the rest of the body.
	time.Sleep(500 * time.Millisecond)

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, srv.out)
	}
	refused := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !refused; time.Sleep(20 * time.Millisecond) {
		conn, err := net.DialTimeout("tcp", srv.addr, time.Second)
		if err == nil {
			conn.Close()
			continue
		}
		// Reset: the connection reached the backlog as the listener closed.
		if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("dialing after SIGTERM: %v", err)
		}
		refused = true
	}
	if !refused {
		t.Fatalf("new connections still accepted 10s after SIGTERM:\n%s", srv.out)
	}
	select {
	case a := <-answered:
		t.Fatalf("the in-flight request ended before its body was sent: %d %v %s\n%s", a.status, a.err, a.body, srv.out)
	case <-srv.done:
		t.Fatalf("the server exited with a request in flight: %v\n%s", srv.err, srv.out)
	default:
	}

	if _, err := pw.Write(body[len(body)/2:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a := <-answered
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("in-flight request: status %d, error %v, body %s\n%s", a.status, a.err, a.body, srv.out)
	}
	var got struct {
		DuoAvailability string `json:"duo_availability"`
	}
	if err := json.Unmarshal(a.body, &got); err != nil || got.DuoAvailability != "never_on" {
		t.Fatalf("answer %s (%v)", a.body, err)
	}
	select {
	case <-srv.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("the server did not exit after its last request:\n%s", srv.out)
	}
	if srv.err != nil {
		t.Fatalf("exit: %v\n%s", srv.err, srv.out)
	}
	st, err := store.InstanceSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) != models.NeverOn {
		t.Fatalf("the change of the in-flight request was not saved: %+v", st)
	}
}
