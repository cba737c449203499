package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

func (s *Store) InstanceSettings(ctx context.Context) (*InstanceSettings, error) {
	return first[InstanceSettings](s.q(ctx).Where("id = 1"))
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
