package accesscache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// Channel is where the triggers name what changed (migration 00030;
	// the previous version's listeners, on duoadmin_access_changed, are
	// still sent an empty payload there); the bench listens to it too, to
	// date the notifications.
	Channel = "duoadmin_access_changes"
	// ListenerApplicationName is the listener connection's application_name.
	ListenerApplicationName = "duoadmin change listener"
)

const (
	// listenerCheckEvery: after this long without a notification the
	// listener sends itself one and waits for it, so a connection that no
	// longer delivers them — lost in a network cut, or behind a
	// transaction-pooling proxy that drops LISTEN — stops the cache within
	// about listenerCheckEvery + listenerProbeTimeout.
	listenerCheckEvery   = time.Second
	listenerProbeTimeout = time.Second
	listenerRetryEvery   = time.Second
)

// Listen makes st live for as long as ctx lasts and a connection to the
// Postgres database dsn LISTENs on the triggers' channel; it reconnects by
// itself and returns when ctx ends.
func Listen(ctx context.Context, dsn string, st *State, log *slog.Logger) {
	l := listener{dsn: dsn, st: st}
	for {
		err := l.listen(ctx)
		st.SetLive(false)
		if ctx.Err() != nil {
			return
		}
		log.Warn("access cache off: lost the change notifications; reconnecting", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenerRetryEvery):
		}
	}
}

type listener struct {
	dsn string
	st  *State
}

func (l listener) listen(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(l.dsn)
	if err != nil {
		return err
	}
	// Named, so that operators (and tests) can tell it in pg_stat_activity.
	cfg.RuntimeParams["application_name"] = ListenerApplicationName
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	lctx, cancel := context.WithTimeout(ctx, listenerProbeTimeout)
	_, err = conn.Exec(lctx, "LISTEN "+Channel)
	cancel()
	if err != nil {
		return err
	}
	probe := newProbe()
	// Live only once a notification has been seen to arrive.
	if err := l.probe(ctx, conn, probe); err != nil {
		return err
	}
	l.st.SetLive(true)
	for {
		wctx, cancel := context.WithTimeout(ctx, listenerCheckEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			l.notified(n.Payload, probe)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			if err := l.probe(ctx, conn, probe); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// notified handles one notification: the triggers' retire what they name
// (ParseChange); probes, this listener's or another instance's, retire
// nothing.
func (l listener) notified(payload, probe string) bool {
	if !strings.HasPrefix(payload, probePrefix) {
		l.st.Apply(ParseChange(payload))
	}
	return payload == probe
}

// probe sends the listener's own notification through the database and
// waits for it, handling whatever arrives meanwhile.
func (l listener) probe(ctx context.Context, conn *pgx.Conn, probe string) error {
	// One deadline for sending and receiving: on a half-open connection the
	// send itself would wait for TCP to give up, minutes, with the cache live.
	wctx, cancel := context.WithTimeout(ctx, listenerProbeTimeout)
	defer cancel()
	if _, err := conn.Exec(wctx, "SELECT pg_notify($1, $2)", Channel, probe); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(wctx)
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				return errors.New("the listener's own notification did not come back: this connection does not deliver notifications")
			}
			return err
		}
		if l.notified(n.Payload, probe) {
			return nil
		}
	}
}

const probePrefix = "probe "

// newProbe is a payload no other listener sends.
func newProbe() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return probePrefix + hex.EncodeToString(b)
}
