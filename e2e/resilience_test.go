//go:build resilience

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
)

// TestResilienceCrashMidBulkAssignment kills -9 the server while it assigns
// 10,000 seats in one API request, at several moments, and restarts it:
// each time the purchase gained 0 or 10,000 seats, never a part, an
// acknowledged request was never lost, and the outbox holds exactly one
// welcome mail per new seat, to distinct people.
func TestResilienceCrashMidBulkAssignment(t *testing.T) {
	dbURL, store := rsDatabase(t)
	seed := rsSetup(t, store, 10000)
	p := rsPurchase(t, store, seed, models.AddOnDuoPro, 10000)
	body := rsIDsJSON(seed.userIDs)
	assignURL := fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", p.ID)
	ctx := context.Background()

	srv := rsStart(t, dbURL, "")
	interrupted, inTx := 0, false
	// A zero delay kills the moment Postgres shows the app's transaction
	// touching seat_assignments; the others at fixed moments, before,
	// during and after it on this machine.
	for _, delay := range []time.Duration{0, 0, 30 * time.Millisecond, 120 * time.Millisecond, 200 * time.Millisecond,
		280 * time.Millisecond, 360 * time.Millisecond, 2 * time.Second} {
		seats0 := rsCount(t, store, "SELECT count(*) FROM seat_assignments WHERE add_on_purchase_id = $1", p.ID)
		lastMail := rsCount(t, store, "SELECT coalesce(max(id), 0) FROM email_outbox")
		done := make(chan rsResult, 1)
		go func() {
			done <- rsDo(rsClient(), http.MethodPost, srv.url+assignURL, seed.token, "application/json", body)
		}()
		if delay == 0 {
			if rsWaitForSeatTx(t, store, 10*time.Second) {
				inTx = true
			}
		} else {
			time.Sleep(delay)
		}
		srv.kill()
		r := <-done
		srv = rsStart(t, dbURL, srv.addr)

		added := rsCount(t, store, "SELECT count(*) FROM seat_assignments WHERE add_on_purchase_id = $1", p.ID) - seats0
		mails := rsCount(t, store, "SELECT count(*) FROM email_outbox WHERE id > $1", lastMail)
		recipients := rsCount(t, store, "SELECT count(DISTINCT to_address) FROM email_outbox WHERE id > $1", lastMail)
		when := "after " + delay.String()
		if delay == 0 {
			when = "inside the transaction"
		}
		t.Logf("kill %s: request %v status %d; %d seats added, %d mails", when, r.err, r.status, added, mails)
		if added != 0 && added != 10000 {
			t.Fatalf("kill after %v: %d seats added, want 0 or 10000", delay, added)
		}
		if r.err == nil && r.status == http.StatusOK && added != 10000 {
			t.Fatalf("kill after %v: the API answered 200 but %d seats survived", delay, added)
		}
		if mails != added || recipients != added {
			t.Fatalf("kill after %v: %d seats added but %d mails to %d people", delay, added, mails, recipients)
		}
		if r.err != nil {
			interrupted++
		}
		if added == 10000 {
			if _, err := store.BulkUnassignSeats(ctx, models.ActorFor(seed.admin), p.ID, seed.userIDs); err != nil {
				t.Fatal(err)
			}
		}
	}
	if interrupted == 0 || !inTx {
		t.Fatalf("interrupted %d requests, inside the transaction: %v; the kills missed", interrupted, inTx)
	}
	// The restarted server still works.
	r := rsDo(rsClient(), http.MethodPost, srv.url+assignURL, seed.token, "application/json", body)
	if r.status != http.StatusOK {
		t.Fatalf("after the crashes: status %d %v\n%.300s", r.status, r.err, r.body)
	}
	if n := rsCount(t, store, "SELECT count(*) FROM seat_assignments WHERE add_on_purchase_id = $1", p.ID); n != 10000 {
		t.Fatalf("after the crashes: %d seats, want 10000", n)
	}
}

// rsWaitForSeatTx waits until another session of the test's database is
// in a transaction on seat_assignments.
func rsWaitForSeatTx(t *testing.T, store *models.Store, limit time.Duration) bool {
	t.Helper()
	db, _ := store.SQLDB()
	for end := time.Now().Add(limit); time.Now().Before(end); {
		var n int
		err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query ILIKE '%seat_assignments%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// rsLoadKind is one kind of request the outage and soak tests send.
type rsLoadKind struct {
	name, method, path, contentType, body string
	api                                   bool // PRIVATE-TOKEN; else the admin's browser session
}

type rsRecord struct {
	kind rsLoadKind
	rsResult
}

// cleanFailure: a failed request is an error page of the app's layout or
// a JSON error, never a panic or a stack.
func cleanFailure(r rsRecord) string {
	if strings.Contains(r.body, "goroutine ") || strings.Contains(strings.ToLower(r.body), "panic") {
		return "the body shows a panic"
	}
	if r.kind.api || r.kind.name == "readiness" {
		var v map[string]any
		if json.Unmarshal([]byte(r.body), &v) != nil {
			return "the body is not JSON"
		}
		return ""
	}
	if !strings.Contains(r.body, "</html>") {
		return "the body is not an HTML page"
	}
	return ""
}

// TestResilienceDatabaseOutage cuts the app off Postgres for 5 s (through
// a proxy: the server is shared, so it is not stopped) while clients keep
// sending requests: readiness says 503, every request ends within 5 s with
// 503 or 500 and a clean page or JSON, and the app recovers by itself
// within 2 s of the database coming back.
func TestResilienceDatabaseOutage(t *testing.T) {
	dbURL, store := rsDatabase(t)
	seed := rsSetup(t, store, 50)
	rsPurchase(t, store, seed, models.AddOnDuoPro, 20)
	u, _ := url.Parse(dbURL)
	proxy := newRSProxy(t, u.Host)
	u.Host = proxy.addr()
	srv := rsStart(t, u.String(), "")
	session := rsSignIn(t, srv.url)

	kinds := []rsLoadKind{
		{name: "readiness", method: http.MethodGet, path: "/-/readiness"},
		{name: "api access", method: http.MethodGet, path: "/api/v4/duo/access?feature=code_suggestions", api: true},
		{name: "api purchases", method: http.MethodGet, path: "/api/v4/add_on_purchases", api: true},
		{name: "users page", method: http.MethodGet, path: "/admin/users"},
		{name: "seat page", method: http.MethodGet, path: "/admin/gitlab_duo/seat_utilization"},
	}
	var mu sync.Mutex
	var records []rsRecord
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			api := rsClient()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := kinds[i%len(kinds)]
				hc, tok := session, ""
				if k.api {
					hc, tok = api, seed.token
				}
				r := rsDo(hc, k.method, srv.url+k.path, tok, k.contentType, k.body)
				mu.Lock()
				records = append(records, rsRecord{k, r})
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	time.Sleep(2 * time.Second)
	cut := time.Now()
	proxy.setDown(true)
	time.Sleep(5 * time.Second)
	back := time.Now()
	proxy.setDown(false)
	time.Sleep(4 * time.Second)
	close(stop)
	wg.Wait()

	var readyDown, failedDuring int
	var recovered time.Time
	for _, r := range records {
		end := r.start.Add(r.took)
		if r.err != nil {
			t.Errorf("%s at %v: %v", r.kind.name, r.start.Sub(cut).Round(time.Millisecond), r.err)
			continue
		}
		if r.took > 5*time.Second {
			t.Errorf("%s at %v took %v", r.kind.name, r.start.Sub(cut).Round(time.Millisecond), r.took)
		}
		switch {
		case r.status == http.StatusOK:
		case r.status == http.StatusServiceUnavailable || r.status == http.StatusInternalServerError:
			if why := cleanFailure(r); why != "" {
				t.Errorf("%s %d: %s\n%.300s", r.kind.name, r.status, why, r.body)
			}
		default:
			t.Errorf("%s: status %d\n%.300s", r.kind.name, r.status, r.body)
		}
		switch {
		case end.Before(cut):
			if r.status != http.StatusOK {
				t.Errorf("%s before the outage: status %d", r.kind.name, r.status)
			}
		case r.start.After(cut.Add(time.Second)) && end.Before(back):
			if r.kind.name == "readiness" {
				readyDown++
				if r.status != http.StatusServiceUnavailable {
					t.Errorf("readiness during the outage: %d, want 503", r.status)
				}
			} else if r.status != http.StatusOK {
				failedDuring++
			}
		case r.start.After(back):
			if r.kind.name == "readiness" && r.status == http.StatusOK && (recovered.IsZero() || end.Before(recovered)) {
				recovered = end
			}
			if r.start.After(back.Add(2*time.Second)) && r.status != http.StatusOK {
				t.Errorf("%s %v after the database came back: status %d", r.kind.name, r.start.Sub(back).Round(time.Millisecond), r.status)
			}
		}
	}
	if readyDown < 3 || failedDuring < 3 {
		t.Fatalf("during the outage: %d readiness checks, %d failed requests; the load did not reach it", readyDown, failedDuring)
	}
	if recovered.IsZero() || recovered.Sub(back) > 2*time.Second {
		t.Fatalf("readiness back to 200 at %v after the database returned, want within 2s", recovered.Sub(back))
	}
	t.Logf("%d requests; readiness 503 ×%d during the outage, %d requests failed cleanly; ready again %v after",
		len(records), readyDown, failedDuring, recovered.Sub(back).Round(time.Millisecond))
}
