package models

import (
	"context"
	"strings"
	"time"
)

// Sign-in throttling, kept in the database so every app instance sees it.
const (
	MaxSignInFailures   = 5
	SignInFailureWindow = 15 * time.Minute
	SignInLockout       = 10 * time.Minute
)

type signInThrottle struct {
	LoginKey        string `gorm:"primaryKey"`
	Failures        int
	WindowStartedAt time.Time
	LockedUntil     *time.Time
}

func (signInThrottle) TableName() string { return "sign_in_throttles" }

func throttleKey(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// SignInLockedUntil reports when a locked login may try again (zero: not locked).
func (s *Store) SignInLockedUntil(ctx context.Context, login string, now time.Time) (time.Time, error) {
	t, err := first[signInThrottle](s.q(ctx).Where("login_key = ?", throttleKey(login)))
	if err == ErrNotFound {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	if t.LockedUntil != nil && t.LockedUntil.After(now) {
		return *t.LockedUntil, nil
	}
	return time.Time{}, nil
}

// RecordSignInFailure counts a failure and locks the login after too many.
func (s *Store) RecordSignInFailure(ctx context.Context, login string, now time.Time) error {
	key := throttleKey(login)
	return s.Tx(ctx, func(tx *Store) error {
		t, err := first[signInThrottle](tx.q(ctx).Where("login_key = ?", key))
		if err == ErrNotFound {
			return tx.q(ctx).Create(&signInThrottle{LoginKey: key, Failures: 1, WindowStartedAt: now}).Error
		}
		if err != nil {
			return err
		}
		if now.Sub(t.WindowStartedAt) > SignInFailureWindow {
			t.Failures, t.WindowStartedAt, t.LockedUntil = 0, now, nil
		}
		t.Failures++
		if t.Failures >= MaxSignInFailures {
			until := now.Add(SignInLockout)
			t.LockedUntil = &until
			t.Failures, t.WindowStartedAt = 0, now
		}
		return tx.q(ctx).Save(t).Error
	})
}

func (s *Store) ClearSignInFailures(ctx context.Context, login string) error {
	return s.q(ctx).Where("login_key = ?", throttleKey(login)).Delete(&signInThrottle{}).Error
}
