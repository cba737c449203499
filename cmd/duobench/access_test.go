package main

import (
	"context"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A stall holds up the questions due behind it: timed from when each was
// due, they all show the wait; timed from when they were sent, only the
// one that met the stall would.
func TestPacedLoadTimesAnswersFromWhenTheyWereDue(t *testing.T) {
	t.Parallel()
	const stall = 300 * time.Millisecond
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 3 {
			time.Sleep(stall)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	pick := func(*mrand.Rand) (string, string) { return "/", "token" }
	b := &bench{}
	// One client at 100 a second: a question every 10 ms, so about 30 are
	// due while the third one's answer waits.
	r, _, err := b.loadAtRate(context.Background(), srv.URL, 1, 100, 1, time.Second, pick)
	if err != nil {
		t.Fatal(err)
	}
	late := 0
	for _, d := range r.sorted {
		if d >= stall/3 {
			late++
		}
	}
	if late < 10 {
		t.Errorf("%d of %d answers at least %s late, want the ~30 due during the stall", late, len(r.sorted), stall/3)
	}
	if len(r.sorted) < 95 {
		t.Errorf("%d answers in 1 s at 100/s, want every question due in the second", len(r.sorted))
	}
}
