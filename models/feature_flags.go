package models

import (
	"context"
	"time"
)

// FeatureFlag is an instance-wide switch an admin turns at /admin/feature_flags.
type FeatureFlag struct {
	Name      string `gorm:"primaryKey"`
	Enabled   bool
	UpdatedAt time.Time
}

// FlagSeatEmailsSM gates seat-assignment mail on self-managed.
const FlagSeatEmailsSM = "duo_seat_assignment_email_for_sm"

func (s *Store) FeatureFlags(ctx context.Context) ([]FeatureFlag, error) {
	var fs []FeatureFlag
	err := s.q(ctx).Order("name").Find(&fs).Error
	return fs, err
}

func (s *Store) FeatureEnabled(ctx context.Context, name string) (bool, error) {
	f, err := first[FeatureFlag](s.q(ctx).Where("name = ?", name))
	if err == ErrNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return f.Enabled, nil
}

func (s *Store) SetFeatureFlag(ctx context.Context, actor Actor, name string, enabled bool) error {
	return s.Tx(ctx, func(tx *Store) error {
		f, err := first[FeatureFlag](tx.q(ctx).Where("name = ?", name))
		if err != nil {
			return err
		}
		if f.Enabled == enabled {
			return nil
		}
		if err := tx.q(ctx).Model(&FeatureFlag{}).Where("name = ?", name).
			Updates(map[string]any{"enabled": enabled, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "feature_flag_changed", TargetType: "FeatureFlag", TargetName: name,
			Details: map[string]any{"enabled": change(f.Enabled, enabled)}})
	})
}
