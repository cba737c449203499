package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

func (s *Store) InstanceSettings(ctx context.Context) (*InstanceSettings, error) {
	return first[InstanceSettings](s.q(ctx).Where("id = 1"))
}

// SettingsCacheTTL is how stale the access check may see instance
// settings; GitLab itself caches its application settings in-process.
const SettingsCacheTTL = 5 * time.Second

type settingsCache struct {
	mu sync.Mutex
	at time.Time
	// gen is the access cache's generation when st was read: a change
	// anywhere (a commit here, a notification from another instance)
	// retires it, so the access cache is never refilled from stale settings.
	gen uint64
	st  InstanceSettings
}

// cachedInstanceSettings serves the access hot path: an IDE asks many times
// a second, and the instance row changes rarely. Changes made through this
// process, and notifications of changes elsewhere, retire it at once (gen).
func (s *Store) cachedInstanceSettings(ctx context.Context) (*InstanceSettings, error) {
	c := s.settings
	if c == nil {
		return s.InstanceSettings(ctx)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	gen := s.cache.generation()
	if !c.at.IsZero() && time.Since(c.at) < SettingsCacheTTL && c.gen == gen {
		st := c.st
		return &st, nil
	}
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return nil, err
	}
	c.st, c.at, c.gen = *st, time.Now(), gen
	return st, nil
}

// EnsureSessionSecret returns the stored secret, generating one on first start
// so sessions survive restarts without configuration.
func (s *Store) EnsureSessionSecret(ctx context.Context) (string, error) {
	var secret string
	err := s.Tx(ctx, func(tx *Store) error {
		st, err := tx.InstanceSettings(ctx)
		if err != nil {
			return err
		}
		if st.SessionSecret != "" {
			secret = st.SessionSecret
			return nil
		}
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		secret = hex.EncodeToString(b)
		return tx.q(ctx).Model(&InstanceSettings{}).Where("id = 1 AND session_secret = ''").
			Update("session_secret", secret).Error
	})
	if err != nil {
		return "", err
	}
	// Another instance may have won the race; the stored one is the truth.
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return "", err
	}
	return st.SessionSecret, nil
}

func (s *Store) SetInstancePlan(ctx context.Context, actor Actor, plan Plan) error {
	if !plan.Valid() {
		return FieldErrors{"plan": "is not a plan (free, premium, ultimate)"}
	}
	return s.Tx(ctx, func(tx *Store) error {
		st, err := tx.InstanceSettings(ctx)
		if err != nil {
			return err
		}
		if st.Plan == plan {
			return nil
		}
		if err := tx.q(ctx).Model(&InstanceSettings{}).Where("id = 1").Update("plan", plan).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "instance_plan_changed", TargetType: "Instance",
			TargetName: "instance", Details: map[string]any{"plan": change(st.Plan, plan)}})
	})
}
