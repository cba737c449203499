package models

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// accessChangedChannel is what migration 00012's triggers notify.
	accessChangedChannel = "duoadmin_access_changed"
	// ListenerApplicationName is the listener connection's application_name.
	ListenerApplicationName = "duoadmin change listener"
)

const (
	// listenerCheckEvery: after this long without a notification the
	// listener pings its connection, so a silently lost one (a network cut)
	// stops the cache within about listenerCheckEvery + listenerPingTimeout.
	listenerCheckEvery  = time.Second
	listenerPingTimeout = time.Second
	listenerRetryEvery  = time.Second
)

// ListenForChanges makes the access cache live for as long as ctx lasts and
// a connection LISTENs on the triggers' channel; it reconnects by itself and
// returns when ctx ends. Postgres only: elsewhere it returns at once and
// nothing is cached.
func (s *Store) ListenForChanges(ctx context.Context, log *slog.Logger) {
	if s.dialect != Postgres || s.cache == nil {
		return
	}
	for {
		err := s.listen(ctx)
		s.cache.setLive(false)
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

func (s *Store) listen(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(s.dsn)
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
	if _, err := conn.Exec(ctx, "LISTEN "+accessChangedChannel); err != nil {
		return err
	}
	s.cache.setLive(true)
	for {
		wctx, cancel := context.WithTimeout(ctx, listenerCheckEvery)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			s.cache.invalidate()
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, listenerPingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// AccessCacheLive tells whether the access cache is serving (for health
// and tests).
func (s *Store) AccessCacheLive() bool { return s.cache != nil && s.cache.live.Load() }
