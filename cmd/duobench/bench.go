package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/secretbox"
	"duoadmin/models/seed"
	"duoadmin/static"
)

type bench struct {
	cfg        config
	store      *models.Store
	db         *sql.DB
	syn        *seed.Synthetic
	size       seed.SyntheticSize
	baseURL    string
	httpSrv    *http.Server
	ownerToken string
	dbURL      string
	// stopListening stops the change listener (startListener); nil when
	// it does not run.
	stopListening func()
	actor         models.Actor
}

func newBench(ctx context.Context, store *models.Store, cfg config, size seed.SyntheticSize, dbURL string) (*bench, error) {
	b := &bench{cfg: cfg, store: store, size: size, dbURL: dbURL, actor: models.Actor{Username: "duobench"}}
	var err error
	if b.db, err = store.SQLDB(); err != nil {
		return nil, err
	}
	syn, err := seed.LoadSynthetic(ctx, store)
	if errors.Is(err, models.ErrNotFound) {
		fmt.Printf("seeding the synthetic organisation (seed-synthetic: %d users, %d groups, %d projects)\n", b.size.Users, b.size.Groups, b.size.Projects)
		start := time.Now()
		if syn, err = seed.BuildSynthetic(ctx, store, b.size); err != nil {
			return nil, fmt.Errorf("seed-synthetic: %w", err)
		}
		fmt.Printf("seeded in %s\n", time.Since(start).Round(time.Millisecond))
	} else if err != nil {
		return nil, err
	}
	if syn.Users != int64(b.size.Users) || syn.Groups != int64(b.size.Groups) || syn.Projects != int64(b.size.Projects) {
		return nil, fmt.Errorf("the database holds a synthetic organisation of another size (%d users, %d groups, %d projects); drop it or point BENCH_DATABASE_URL elsewhere",
			syn.Users, syn.Groups, syn.Projects)
	}
	b.syn = syn
	fmt.Printf("organisation: %d users, %d subgroups, %d projects, %d memberships; purchase %d\n",
		syn.Users, syn.Groups, syn.Projects, syn.Members, syn.Purchase.ID)
	if err := b.forgetScenarioWrites(ctx); err != nil {
		return nil, err
	}
	if err := b.resetSeats(ctx); err != nil {
		return nil, err
	}
	if _, err := store.SetGroupDuoAvailability(ctx, b.actor, syn.Root, models.DefaultOn); err != nil {
		return nil, err
	}
	if err := b.tokens(ctx); err != nil {
		return nil, err
	}
	return b, b.serve()
}

// vacuum clears the dead rows of tables a scenario rewrote (and their
// statistics), untimed, so every run starts from the same table state.
func (b *bench) vacuum(ctx context.Context, tables ...string) error {
	for _, t := range tables {
		if _, err := b.db.ExecContext(ctx, "VACUUM ANALYZE "+t); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) resetSeats(ctx context.Context) error {
	if err := seed.ResetSyntheticSeats(ctx, b.store, b.syn.Purchase.ID, b.size.Seats, b.size.Assigned); err != nil {
		return err
	}
	_, err := b.db.ExecContext(ctx, "VACUUM ANALYZE seat_assignments")
	return err
}

// tokens makes a token for the group owner (the bulk API).
func (b *bench) tokens(ctx context.Context) error {
	var err error
	b.ownerToken, err = b.store.CreatePersonalAccessToken(ctx, b.actor, b.syn.Owner, "duobench", nil)
	return err
}

// serve starts the real server on a loopback port, with the access API's
// baseline route added (baseline.go).
func (b *bench) serve() error {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	srv, err := handlers.New(handlers.Options{Store: b.store.WithSecretBox(secretbox.NewRandom()), Deployment: models.GitLabCom,
		BaseURL: "http://127.0.0.1", SessionSecret: hex.EncodeToString(secret), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Static: static.FS})
	if err != nil {
		return err
	}
	srv.Echo().GET(baselinePath, b.baseline)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.baseURL = "http://" + ln.Addr().String()
	b.httpSrv = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second}
	go func() { _ = b.httpSrv.Serve(ln) }()
	return nil
}

func (b *bench) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if b.stopListening != nil {
		b.stopListening()
		b.stopListening = nil
	}
	if b.httpSrv != nil {
		_ = b.httpSrv.Shutdown(ctx)
	}
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// timed runs setup (untimed) and fn n times and returns fn's durations, sorted.
func timed(n int, setup func() error, fn func() error) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		if setup != nil {
			if err := setup(); err != nil {
				return nil, err
			}
		}
		t0 := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0))
	}
	slices.Sort(out)
	return out, nil
}

// ratioResult compares a scenario with its baseline by median; the target
// is at most three times the baseline.
func ratioResult(name, size string, got, base []time.Duration) Result {
	r := Result{Name: name, Size: size, P50ms: ms(percentile(got, 50)), P99ms: ms(percentile(got, 99)),
		BaselineP50ms: ms(percentile(base, 50)), BaselineP99ms: ms(percentile(base, 99)), RSSMB: peakRSSMB(), Target: "ratio <= 3",
		Samples: len(got), BaselineSamples: len(base)}
	if r.BaselineP50ms > 0 {
		r.Ratio = round2(r.P50ms / r.BaselineP50ms)
	}
	r.Pass = r.Ratio <= 3
	return r
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func sortDurations(d []time.Duration) { slices.Sort(d) }
