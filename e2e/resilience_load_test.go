//go:build resilience

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// TestResilienceConcurrentAssignments races requests against the real
// server on Postgres: 50 single assignments for the last 10 seats give
// exactly 10 seats; overlapping bulk requests never exceed the quantity and
// leave exactly the people of the requests that succeeded; of two app
// instances (two connection pools) only one runs a job at a time.
func TestResilienceConcurrentAssignments(t *testing.T) {
	dbURL, store := rsDatabase(t)
	seed := rsSetup(t, store, 120)
	ctx := context.Background()
	actor := models.ActorFor(seed.admin)
	srv := rsStart(t, dbURL, "")

	t.Run("last 10 seats", func(t *testing.T) {
		p := rsPurchase(t, store, seed, models.AddOnDuoPro, 20)
		if _, err := store.BulkAssignSeats(ctx, actor, p.ID, seed.userIDs[:10]); err != nil {
			t.Fatal(err)
		}
		racers := seed.userIDs[10:60]
		statuses := make([]int, len(racers))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, id := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := rsDo(rsClient(), http.MethodPost, fmt.Sprintf("%s/api/v4/add_on_purchases/%d/assignments", srv.url, p.ID),
					seed.token, "application/json", rsIDsJSON([]int64{id}))
				statuses[i] = r.status
			}()
		}
		close(start)
		wg.Wait()
		got := map[int]int{}
		for _, st := range statuses {
			got[st]++
		}
		if got[http.StatusOK] != 10 || got[http.StatusUnprocessableEntity] != 40 {
			t.Fatalf("statuses %v, want 10×200 and 40×422", got)
		}
		if n := rsCount(t, store, "SELECT count(*) FROM seat_assignments WHERE add_on_purchase_id = $1", p.ID); n != 20 {
			t.Fatalf("%d seats for a quantity of 20", n)
		}
	})

	t.Run("parallel bulk", func(t *testing.T) {
		p := rsPurchase(t, store, seed, models.AddOnDuoEnterprise, 25)
		pool := seed.userIDs[60:120]
		type req struct {
			ids    []int64
			status int
		}
		reqs := make([]req, 12)
		for i := range reqs {
			reqs[i].ids = pool[i*4 : i*4+12] // each overlaps its neighbours
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := rsDo(rsClient(), http.MethodPost, fmt.Sprintf("%s/api/v4/add_on_purchases/%d/assignments", srv.url, p.ID),
					seed.token, "application/json", rsIDsJSON(reqs[i].ids))
				reqs[i].status = r.status
			}()
		}
		close(start)
		wg.Wait()
		want := map[int64]bool{}
		ok := 0
		for _, r := range reqs {
			switch r.status {
			case http.StatusOK:
				ok++
				for _, id := range r.ids {
					want[id] = true
				}
			case http.StatusUnprocessableEntity:
			default:
				t.Fatalf("bulk request: status %d", r.status)
			}
		}
		db, _ := store.SQLDB()
		rows, err := db.Query("SELECT user_id FROM seat_assignments WHERE add_on_purchase_id = $1", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[int64]bool{}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			got[id] = true
		}
		if len(got) > 25 {
			t.Fatalf("%d seats for a quantity of 25", len(got))
		}
		if ok == 0 || len(got) != len(want) {
			t.Fatalf("%d requests succeeded for %d people, but %d seats are assigned", ok, len(want), len(got))
		}
		for id := range want {
			if !got[id] {
				t.Fatalf("user %d of a successful request has no seat", id)
			}
		}
	})

	t.Run("two job runners", func(t *testing.T) {
		other, err := models.Open(dbURL, storetest.Options())
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		held, release, done := make(chan struct{}), make(chan struct{}), make(chan bool, 1)
		go func() {
			ran, err := store.RunExclusive(ctx, "refresh", func() error { close(held); <-release; return nil })
			if err != nil {
				t.Error(err)
			}
			done <- ran
		}()
		<-held
		var runs atomic.Int32
		var wg sync.WaitGroup
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ran, err := other.RunExclusive(ctx, "refresh", func() error { runs.Add(1); return nil }); err != nil || ran {
					t.Errorf("a second instance ran the job (ran=%v err=%v) while the first holds it", ran, err)
				}
			}()
		}
		wg.Wait()
		close(release)
		if !<-done || runs.Load() != 0 {
			t.Fatalf("first runner ran=false or the second ran %d times", runs.Load())
		}
		if ran, err := other.RunExclusive(ctx, "refresh", func() error { return nil }); err != nil || !ran {
			t.Fatalf("after release the other instance cannot run the job: ran=%v err=%v", ran, err)
		}
	})
}

// TestResilienceSoak sends 60 s of mixed traffic at a steady 40 requests a
// second (at most 16 in flight): pages, the API, readiness and seat
// assignments and removals. No answer is a 5xx or a transport error, and
// the server's memory at the end is within 20% of what it was at 20 s.
func TestResilienceSoak(t *testing.T) {
	dbURL, store := rsDatabase(t)
	seed := rsSetup(t, store, 300)
	p := rsPurchase(t, store, seed, models.AddOnDuoPro, 200)
	if _, err := store.BulkAssignSeats(context.Background(), models.ActorFor(seed.admin), p.ID, seed.userIDs[:150]); err != nil {
		t.Fatal(err)
	}
	srv := rsStart(t, dbURL, "")
	session := rsSignIn(t, srv.url)
	api := rsClient()
	assignments := fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", p.ID)
	kinds := []rsLoadKind{
		{name: "readiness", method: http.MethodGet, path: "/-/readiness"},
		{name: "api access", method: http.MethodGet, path: "/api/v4/duo/access?feature=code_suggestions", api: true},
		{name: "api purchases", method: http.MethodGet, path: "/api/v4/add_on_purchases", api: true},
		{name: "users page", method: http.MethodGet, path: "/admin/users?search=user1"},
		{name: "seat page", method: http.MethodGet, path: "/admin/gitlab_duo/seat_utilization?sort=last_activity_on_desc"},
		{name: "audit page", method: http.MethodGet, path: "/admin/audit_events"},
		{name: "assign", method: http.MethodPost, path: assignments, api: true, contentType: "application/json"},
		{name: "unassign", method: http.MethodDelete, path: assignments, api: true, contentType: "application/json"},
	}
	const (
		rate     = 40
		duration = 60 * time.Second
	)
	var mu sync.Mutex
	statuses := map[string]map[int]int{}
	var failures []string
	rss := map[int]int{} // second → KiB
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	begin := time.Now()
	for i := 0; time.Since(begin) < duration; i++ {
		<-tick.C
		if i%rate == 0 {
			rss[i/rate] = srv.rss()
		}
		k := kinds[i%len(kinds)]
		body := k.body
		if k.name == "assign" || k.name == "unassign" {
			// The same user in and out, so seats never run out.
			body = rsIDsJSON([]int64{seed.userIDs[150+(i/len(kinds))%150]})
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			hc, tok := session, ""
			if k.api {
				hc, tok = api, seed.token
			}
			r := rsDo(hc, k.method, srv.url+k.path, tok, k.contentType, body)
			mu.Lock()
			defer mu.Unlock()
			if statuses[k.name] == nil {
				statuses[k.name] = map[int]int{}
			}
			statuses[k.name][r.status]++
			if r.err != nil || r.status >= 500 {
				failures = append(failures, fmt.Sprintf("%s: %d %v %.200s", k.name, r.status, r.err, r.body))
			}
		}()
	}
	wg.Wait()
	rss[int(duration/time.Second)] = srv.rss()
	if len(failures) > 0 {
		t.Fatalf("%d failed requests, first: %s", len(failures), failures[0])
	}
	for name, st := range statuses {
		if st[http.StatusOK] == 0 {
			t.Errorf("%s never answered 200: %v", name, st)
		}
	}
	secs := make([]int, 0, len(rss))
	for s := range rss {
		secs = append(secs, s)
	}
	sort.Ints(secs)
	at20, end := rss[20], rss[secs[len(secs)-1]]
	t.Logf("statuses %v; RSS %d KiB at 1s, %d KiB at 20s, %d KiB at the end", statuses, rss[1], at20, end)
	if at20 == 0 || float64(end) > 1.2*float64(at20) {
		t.Fatalf("RSS grew from %d KiB at 20s to %d KiB at the end (more than 20%%)", at20, end)
	}
}
