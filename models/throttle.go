package models

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Sign-in throttling, kept in the database so that every app instance sees
// it and a restart does not reset it. Failures count twice: against the
// account (whatever login named it: username in any case, or email) and
// against the client's address.
const (
	// MaxSignInFailures within SignInFailureWindow lock an account (or a
	// login that names none) for SignInLockout.
	MaxSignInFailures   = 5
	SignInFailureWindow = 15 * time.Minute
	SignInLockout       = 10 * time.Minute
	// MaxSignInFailuresPerIP lock one client address out of every account;
	// higher than the account's, as an office may share one address.
	MaxSignInFailuresPerIP = 30
)

type signInThrottle struct {
	LoginKey        string `gorm:"primaryKey"`
	Failures        int
	WindowStartedAt time.Time
	LockedUntil     *time.Time
}

func (signInThrottle) TableName() string { return "sign_in_throttles" }

// NormalizeLogin is the login as sign-in looks it up: without the spaces
// around it.
func NormalizeLogin(login string) string { return strings.TrimSpace(login) }

// SignInAttempt is what one sign-in attempt counts against.
type SignInAttempt struct {
	// User is the account the login names; nil when it names none.
	User  *User
	Login string
	// IP is the client's address; empty counts against no address.
	IP string
}

type throttleCounter struct {
	key string
	max int
}

// counters: the account's (by id, so every spelling of its login is one
// counter) or, for a login that names no account, the login's; and the
// client address's.
func (a SignInAttempt) counters() []throttleCounter {
	account := "login:" + strings.ToLower(NormalizeLogin(a.Login))
	if a.User != nil {
		account = "user:" + strconv.FormatInt(a.User.ID, 10)
	}
	out := []throttleCounter{{account, MaxSignInFailures}}
	if a.IP != "" {
		out = append(out, throttleCounter{"ip:" + a.IP, MaxSignInFailuresPerIP})
	}
	return out
}

func (a SignInAttempt) keys() []string {
	var keys []string
	for _, c := range a.counters() {
		keys = append(keys, c.key)
	}
	return keys
}

// SignInLockedUntil reports when a locked attempt may try again (zero: not
// locked): the later of the account's and the address's locks.
func (s *Store) SignInLockedUntil(ctx context.Context, a SignInAttempt, now time.Time) (time.Time, error) {
	var locks []signInThrottle
	err := s.q(ctx).Where("login_key IN ? AND locked_until > ?", a.keys(), now.UTC()).Find(&locks).Error
	var until time.Time
	for _, l := range locks {
		if l.LockedUntil.After(until) {
			until = *l.LockedUntil
		}
	}
	return until, err
}

// recordFailure is one statement, so that simultaneous failures of one
// login each count and none fails on the key. The row is inserted, or its
// count raised (restarted at 1 when its window is over); reaching the
// limit locks it and starts a new count. Every SET expression reads the
// row as it was, so the new count is written out where it is needed.
const recordFailure = `INSERT INTO sign_in_throttles (login_key, failures, window_started_at, locked_until)
VALUES (@key, 1, @now, NULL)
ON CONFLICT (login_key) DO UPDATE SET
	failures = CASE
		WHEN (CASE WHEN sign_in_throttles.window_started_at < @window_start THEN 1 ELSE sign_in_throttles.failures + 1 END) >= @max THEN 0
		ELSE (CASE WHEN sign_in_throttles.window_started_at < @window_start THEN 1 ELSE sign_in_throttles.failures + 1 END) END,
	window_started_at = CASE
		WHEN (CASE WHEN sign_in_throttles.window_started_at < @window_start THEN 1 ELSE sign_in_throttles.failures + 1 END) >= @max
			OR sign_in_throttles.window_started_at < @window_start THEN @now
		ELSE sign_in_throttles.window_started_at END,
	locked_until = CASE
		WHEN (CASE WHEN sign_in_throttles.window_started_at < @window_start THEN 1 ELSE sign_in_throttles.failures + 1 END) >= @max THEN @until
		ELSE sign_in_throttles.locked_until END`

// RecordSignInFailure counts a failure against the attempt's account and
// address, locking those that reach their limit.
func (s *Store) RecordSignInFailure(ctx context.Context, a SignInAttempt, now time.Time) error {
	now = now.UTC()
	for _, c := range a.counters() {
		if err := s.q(ctx).Exec(recordFailure, map[string]any{"key": c.key, "now": now, "max": c.max,
			"window_start": now.Add(-SignInFailureWindow), "until": now.Add(SignInLockout)}).Error; err != nil {
			return err
		}
	}
	return nil
}

// ClearSignInFailures forgets the account's failures after a successful
// sign-in. The address's stay: one good password must not buy an address
// more guesses at other accounts.
func (s *Store) ClearSignInFailures(ctx context.Context, u *User) error {
	return s.q(ctx).Where("login_key = ?", SignInAttempt{User: u}.counters()[0].key).Delete(&signInThrottle{}).Error
}

// DeleteStaleSignInThrottles removes the counters that no longer lock or
// count anything.
func (s *Store) DeleteStaleSignInThrottles(ctx context.Context, now time.Time) (int64, error) {
	now = now.UTC()
	res := s.q(ctx).Where("window_started_at < ? AND (locked_until IS NULL OR locked_until < ?)", now.Add(-SignInFailureWindow), now).
		Delete(&signInThrottle{})
	return res.RowsAffected, res.Error
}
