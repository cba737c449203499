package models

import (
	"context"
	"time"
)

// ErrDuoCoreRootOnly is GitLab's text for Duo Core on a subgroup.
var ErrDuoCoreRootOnly = Message("can only be set for root group namespace")

// SetGroupDuoCore turns Duo Core on or off for a top-level group (GitLab.com).
func (s *Store) SetGroupDuoCore(ctx context.Context, actor Actor, g *Group, enabled bool) error {
	if !g.TopLevel() {
		return ErrDuoCoreRootOnly
	}
	return s.Tx(ctx, func(tx *Store) error {
		fresh, err := first[Group](tx.forUpdate(ctx).Where("id = ?", g.ID))
		if err != nil {
			return err
		}
		if fresh.DuoCoreFeaturesEnabled == enabled {
			return nil
		}
		if err := tx.q(ctx).Model(&Group{}).Where("id = ?", g.ID).
			Updates(map[string]any{"duo_core_features_enabled": enabled, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		g.DuoCoreFeaturesEnabled = enabled
		return tx.Audit(ctx, actor, AuditEntry{Action: "duo_core_changed", TargetType: "Group", TargetID: g.ID,
			TargetName: g.FullPath, NamespaceID: &g.ID, Details: map[string]any{"duo_core_features_enabled": change(!enabled, enabled)}})
	})
}

// SetInstanceDuoCore turns Duo Core on or off for the instance (self-managed).
func (s *Store) SetInstanceDuoCore(ctx context.Context, actor Actor, enabled bool) error {
	return s.Tx(ctx, func(tx *Store) error {
		st, err := first[InstanceSettings](tx.forUpdate(ctx).Where("id = 1"))
		if err != nil {
			return err
		}
		if st.DuoCoreFeaturesEnabled == enabled {
			return nil
		}
		if err := tx.q(ctx).Model(&InstanceSettings{}).Where("id = 1").
			Updates(map[string]any{"duo_core_features_enabled": enabled, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "duo_core_changed", TargetType: "Instance", TargetName: "instance",
			Details: map[string]any{"duo_core_features_enabled": change(!enabled, enabled)}})
	})
}
