package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"duoadmin/models/accesscache"
)

// notifyWatch dates, from a connection of the bench's own, the change
// notifications naming each user: when a removal's notification reached
// this machine, a stand-in for when it reached instance B.
type notifyWatch struct {
	mu     sync.Mutex
	seen   map[int64][]time.Time
	cancel context.CancelFunc
	done   chan struct{}
}

func watchNotifications(ctx context.Context, dsn string) (*notifyWatch, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+accesscache.Channel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &notifyWatch{seen: map[int64][]time.Time{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer conn.Close(context.Background())
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				return
			}
			at := time.Now()
			w.mu.Lock()
			for _, u := range accesscache.ParseChange(n.Payload).Users {
				w.seen[u] = append(w.seen[u], at)
			}
			w.mu.Unlock()
		}
	}()
	return w, nil
}

func (w *notifyWatch) stop() {
	w.cancel()
	<-w.done
}

// after is when the first notification naming user arrived after t, if one
// did within wait.
func (w *notifyWatch) after(user int64, t time.Time, wait time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(wait)
	for {
		w.mu.Lock()
		for _, at := range w.seen[user] {
			if at.After(t) {
				w.mu.Unlock()
				return at, true
			}
		}
		w.mu.Unlock()
		if time.Now().After(deadline) {
			return time.Time{}, false
		}
		time.Sleep(time.Millisecond)
	}
}

// stalenessParts is where each removal's staleness went: notified, from
// A's answer to the notification's arrival here (negative when it came
// before A's answer did); lastAsk, the duration of the question to B that
// first answered "not allowed"; before, the rest: questions to B that were
// under way when the change arrived, and B's own handling of it.
type stalenessParts struct {
	notified, lastAsk, before []time.Duration
	asks                      int
}

func (p *stalenessParts) add(staleness, notified, lastAsk time.Duration, asks int) {
	p.notified = append(p.notified, notified)
	p.lastAsk = append(p.lastAsk, lastAsk)
	p.before = append(p.before, staleness-lastAsk)
	p.asks += asks
}

func (p *stalenessParts) String() string {
	if len(p.notified) == 0 {
		return ""
	}
	pct := func(d []time.Duration) string {
		s := slices.Clone(d)
		slices.Sort(s)
		return fmt.Sprintf("p50 %.1f / p99 %.1f ms", ms(percentile(s, 50)), ms(percentile(s, 99)))
	}
	return fmt.Sprintf("where it goes: notification here after A's answer %s; the question to B that saw the change %s; before that question began %s; %.1f questions to B per removal",
		pct(p.notified), pct(p.lastAsk), pct(p.before), float64(p.asks)/float64(len(p.notified)))
}
