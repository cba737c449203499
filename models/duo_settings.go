package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// InstanceNode is the instance's level in ResolveDuo.
func InstanceNode(st *InstanceSettings) DuoNode {
	v := st.DuoFeaturesEnabled
	return DuoNode{Kind: NodeInstance, FullPath: "instance", Name: "the instance", Enabled: &v, Locked: st.LockDuoFeaturesEnabled}
}

// GroupNode is a group's level in ResolveDuo.
func GroupNode(g *Group) DuoNode {
	return DuoNode{Kind: NodeGroup, ID: g.ID, FullPath: g.FullPath, Name: g.Name, Enabled: g.DuoFeaturesEnabled, Locked: g.LockDuoFeaturesEnabled}
}

// ProjectNode is a project's level in ResolveDuo.
func ProjectNode(p *Project) DuoNode {
	v := p.DuoFeaturesEnabled
	return DuoNode{Kind: NodeProject, ID: p.ID, FullPath: p.FullPath, Name: p.Name, Enabled: &v}
}

// GroupDuoState is a group's Duo availability with everything that decides it.
type GroupDuoState struct {
	Group      *Group
	Ancestors  []Group // top-level group first
	Instance   *InstanceSettings
	Resolution DuoResolution
}

func (st GroupDuoState) Availability() Availability { return st.Resolution.Availability() }

// ProjectDuoState is a project's effective Duo setting and why.
type ProjectDuoState struct {
	Project    *Project
	Group      *Group
	Ancestors  []Group // top-level group first, ending with the project's group
	Instance   *InstanceSettings
	Resolution DuoResolution
}

func nodesOf(gs []Group) []DuoNode {
	out := make([]DuoNode, len(gs))
	for i := range gs {
		out[i] = GroupNode(&gs[i])
	}
	return out
}

// GroupDuo loads and resolves a group's setting: two queries.
func (s *Store) GroupDuo(ctx context.Context, g *Group) (GroupDuoState, error) {
	st := GroupDuoState{Group: g}
	var err error
	if st.Instance, err = s.InstanceSettings(ctx); err != nil {
		return st, err
	}
	if st.Ancestors, err = s.Ancestors(ctx, g); err != nil {
		return st, err
	}
	st.Resolution = ResolveDuo(InstanceNode(st.Instance), nodesOf(st.Ancestors), GroupNode(g))
	return st, nil
}

func (s *Store) ProjectDuo(ctx context.Context, p *Project) (ProjectDuoState, error) {
	st := ProjectDuoState{Project: p}
	var err error
	if st.Group, err = s.GroupByID(ctx, p.NamespaceID); err != nil {
		return st, err
	}
	if st.Instance, err = s.InstanceSettings(ctx); err != nil {
		return st, err
	}
	anc, err := s.Ancestors(ctx, st.Group)
	if err != nil {
		return st, err
	}
	st.Ancestors = append(anc, *st.Group)
	st.Resolution = ResolveDuo(InstanceNode(st.Instance), nodesOf(st.Ancestors), ProjectNode(p))
	return st, nil
}

// CascadeImpact counts the descendants a change resets.
type CascadeImpact struct {
	Subgroups int64
	Projects  int64
}

func (c CascadeImpact) Any() bool { return c.Subgroups > 0 || c.Projects > 0 }

// groupPlan is a validated change of one group.
type groupPlan struct {
	state              GroupDuoState
	enabled            *bool
	locked             bool
	cascadeValue       bool // write enabled (and unlock) to every descendant
	resetLocksBelow    bool // the group became locked
	experimentDisabled bool
}

func (s *Store) planGroup(ctx context.Context, g *Group, ch DuoChange) (groupPlan, error) {
	st, err := s.GroupDuo(ctx, g)
	if err != nil {
		return groupPlan{}, err
	}
	if err := s.checkEnforcement(ctx, g, st.Resolution, ch); err != nil {
		return groupPlan{}, err
	}
	enabled, locked, err := PlanGroupDuo(st.Resolution, GroupNode(g), ch)
	if err != nil {
		return groupPlan{}, err
	}
	p := groupPlan{state: st, enabled: enabled, locked: locked}
	p.cascadeValue = enabled != nil && !sameBoolPtr(enabled, g.DuoFeaturesEnabled)
	p.resetLocksBelow = locked && !g.LockDuoFeaturesEnabled
	// Always off also turns off experiment and beta features at this level.
	p.experimentDisabled = locked && enabled != nil && !*enabled
	return p, nil
}

// subtreeWhere selects g's descendant groups (not g itself).
func below(g *Group) (string, []any) {
	lo, hi := subtreeRange(g.TraversalPath)
	return "traversal_path > ? AND traversal_path < ?", []any{lo, hi}
}

// impact counts (or, with apply, resets) the descendants the plan changes.
func (s *Store) impact(ctx context.Context, g *Group, p groupPlan, apply bool, now time.Time) (CascadeImpact, error) {
	var c CascadeImpact
	where, args := below(g)
	lo, hi := subtreeRange(g.TraversalPath)
	subtreeIDs := s.q(ctx).Model(&Group{}).Select("id").Where("traversal_path >= ? AND traversal_path < ?", lo, hi)
	switch {
	case p.cascadeValue:
		// The value stops at enforced subgroups (duo_enforcement.go).
		enforced, err := s.enforcedBelow(ctx, g, 0)
		if err != nil {
			return c, err
		}
		subtreeIDs = withoutEnforced(subtreeIDs, enforced, "traversal_path")
		return takeValue(withoutEnforced(s.q(ctx).Model(&Group{}).Where(where, args...), enforced, "traversal_path"),
			s.q(ctx).Model(&Project{}).Where("namespace_id IN (?)", subtreeIDs), *p.enabled, apply, now)
	case p.resetLocksBelow:
		groups := s.q(ctx).Model(&Group{}).Where(where, args...).Where("lock_duo_features_enabled")
		if !apply {
			return c, groups.Count(&c.Subgroups).Error
		}
		res := groups.Updates(map[string]any{"lock_duo_features_enabled": false, "updated_at": now})
		c.Subgroups = res.RowsAffected
		return c, res.Error
	}
	return c, nil
}

// PreviewGroupDuoChange validates a change and counts what it would reset,
// for the confirmation step.
func (s *Store) PreviewGroupDuoChange(ctx context.Context, g *Group, ch DuoChange) (CascadeImpact, error) {
	p, err := s.planGroup(ctx, g, ch)
	if err != nil {
		return CascadeImpact{}, err
	}
	return s.impact(ctx, g, p, false, time.Time{})
}

// UpdateGroupDuo changes a group's setting and cascades it to its subtree
// with set-based updates, all in one transaction with its audit event.
func (s *Store) UpdateGroupDuo(ctx context.Context, actor Actor, g *Group, ch DuoChange, experiment *bool) (CascadeImpact, error) {
	var out CascadeImpact
	err := s.Tx(ctx, func(tx *Store) error {
		fresh, err := first[Group](tx.forUpdate(ctx).Where("id = ?", g.ID))
		if err != nil {
			return err
		}
		orig := *fresh
		p, err := tx.planGroup(ctx, fresh, ch)
		if err != nil {
			return err
		}
		before := p.state.Availability()
		now := time.Now().UTC()
		exp := fresh.ExperimentFeaturesEnabled
		if experiment != nil {
			exp = *experiment
		}
		if p.experimentDisabled {
			exp = false
		}
		cols := map[string]any{"duo_features_enabled": p.enabled, "lock_duo_features_enabled": p.locked,
			"experiment_features_enabled": exp, "updated_at": now}
		if ch.Enforce != nil {
			for k, v := range enforcementColumns(actor, ch.Enforce, now) {
				cols[k] = v
			}
		}
		if err := tx.q(ctx).Model(&Group{}).Where("id = ?", fresh.ID).Updates(cols).Error; err != nil {
			return err
		}
		if out, err = tx.impact(ctx, fresh, p, true, now); err != nil {
			return err
		}
		after := orig
		after.DuoFeaturesEnabled, after.LockDuoFeaturesEnabled, after.ExperimentFeaturesEnabled = p.enabled, p.locked, exp
		*g = after
		if ch.Enforce != nil {
			reread, err := first[Group](tx.q(ctx).Where("id = ?", fresh.ID))
			if err != nil {
				return err
			}
			*g = *reread
		}
		changed := !sameBoolPtr(p.enabled, orig.DuoFeaturesEnabled) || p.locked != orig.LockDuoFeaturesEnabled
		if !changed && exp == orig.ExperimentFeaturesEnabled && ch.Enforce == nil {
			return nil
		}
		afterState := ResolveDuo(InstanceNode(p.state.Instance), nodesOf(p.state.Ancestors), GroupNode(g))
		root := orig.RootID()
		action, extra := enforcementAudit(ch.Enforce)
		details := map[string]any{
			"duo_availability":            change(before, afterState.Availability()),
			"duo_features_enabled":        change(orig.DuoFeaturesEnabled, p.enabled),
			"lock_duo_features_enabled":   change(orig.LockDuoFeaturesEnabled, p.locked),
			"experiment_features_enabled": change(orig.ExperimentFeaturesEnabled, exp),
			"descendants_reset":           map[string]int64{"subgroups": out.Subgroups, "projects": out.Projects},
		}
		for k, v := range extra {
			details[k] = v
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: action, TargetType: "Group", TargetID: orig.ID,
			TargetName: orig.FullPath, NamespaceID: &root, Details: details})
	})
	return out, err
}

// SetGroupDuoAvailability applies one of the three options.
func (s *Store) SetGroupDuoAvailability(ctx context.Context, actor Actor, g *Group, a Availability) (CascadeImpact, error) {
	return s.UpdateGroupDuo(ctx, actor, g, ChangeFor(a), nil)
}

// SetProjectDuoEnabled turns a project's GitLab Duo switch on or off.
func (s *Store) SetProjectDuoEnabled(ctx context.Context, actor Actor, p *Project, enabled bool) error {
	return s.Tx(ctx, func(tx *Store) error {
		fresh, err := first[Project](tx.forUpdate(ctx).Where("id = ?", p.ID))
		if err != nil {
			return err
		}
		st, err := tx.ProjectDuo(ctx, fresh)
		if err != nil {
			return err
		}
		// Refused under a lock even when it asks for the stored value.
		if err := refuseUnderLock(st.Resolution); err != nil {
			return err
		}
		if fresh.DuoFeaturesEnabled == enabled {
			return nil
		}
		if err := tx.q(ctx).Model(&Project{}).Where("id = ?", fresh.ID).
			Updates(map[string]any{"duo_features_enabled": enabled, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		p.DuoFeaturesEnabled = enabled
		root := st.Group.RootID()
		return tx.Audit(ctx, actor, AuditEntry{Action: "duo_availability_changed", TargetType: "Project", TargetID: fresh.ID,
			TargetName: fresh.FullPath, NamespaceID: &root, Details: map[string]any{
				"duo_features_enabled": change(fresh.DuoFeaturesEnabled, enabled),
				"descendants_reset":    map[string]int64{"subgroups": 0, "projects": 0},
			}})
	})
}

// instanceImpact counts (or resets) every group and project that takes a
// new instance value.
func (s *Store) instanceImpact(ctx context.Context, v bool, apply bool, now time.Time) (CascadeImpact, error) {
	// The value stops at enforced groups (duo_enforcement.go).
	var enforced []Group
	if err := s.q(ctx).Where("duo_enforced_at IS NOT NULL").Find(&enforced).Error; err != nil {
		return CascadeImpact{}, err
	}
	projects := s.q(ctx).Model(&Project{})
	if len(enforced) > 0 {
		outside := withoutEnforced(s.q(ctx).Model(&Group{}).Select("id"), enforced, "traversal_path")
		projects = projects.Where("namespace_id IN (?)", outside)
	}
	return takeValue(withoutEnforced(s.q(ctx).Model(&Group{}), enforced, "traversal_path"), projects, v, apply, now)
}

// takeValue counts (or, with apply, makes) the groups and projects in scope
// take value v: a group that differs or is locked is reset and unlocked, a
// project that differs is switched. Only rows that change are written.
func takeValue(groups, projects *gorm.DB, v bool, apply bool, now time.Time) (CascadeImpact, error) {
	var c CascadeImpact
	groups = groups.Where("duo_features_enabled IS NULL OR duo_features_enabled <> ? OR lock_duo_features_enabled", v)
	projects = projects.Where("duo_features_enabled <> ?", v)
	if !apply {
		if err := groups.Count(&c.Subgroups).Error; err != nil {
			return c, err
		}
		return c, projects.Count(&c.Projects).Error
	}
	res := groups.Updates(map[string]any{"duo_features_enabled": v, "lock_duo_features_enabled": false, "updated_at": now})
	if res.Error != nil {
		return c, res.Error
	}
	c.Subgroups = res.RowsAffected
	res = projects.Updates(map[string]any{"duo_features_enabled": v, "updated_at": now})
	c.Projects = res.RowsAffected
	return c, res.Error
}

// PreviewInstanceDuoChange counts the groups and projects a change resets.
func (s *Store) PreviewInstanceDuoChange(ctx context.Context, a Availability) (CascadeImpact, error) {
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return CascadeImpact{}, err
	}
	v, _ := a.Stored()
	if v == st.DuoFeaturesEnabled {
		return CascadeImpact{}, nil
	}
	return s.instanceImpact(ctx, v, false, time.Time{})
}

// SetInstanceDuoAvailability changes the instance setting; when its value
// changes every group and project takes it.
func (s *Store) SetInstanceDuoAvailability(ctx context.Context, actor Actor, a Availability) (CascadeImpact, error) {
	var out CascadeImpact
	err := s.Tx(ctx, func(tx *Store) error {
		st, err := first[InstanceSettings](tx.forUpdate(ctx).Where("id = 1"))
		if err != nil {
			return err
		}
		v, lock := a.Stored()
		before := InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled)
		if before == a {
			return nil
		}
		now := time.Now().UTC()
		exp := st.ExperimentFeaturesEnabled && a != NeverOn
		if err := tx.q(ctx).Model(&InstanceSettings{}).Where("id = 1").Updates(map[string]any{
			"duo_features_enabled": v, "lock_duo_features_enabled": lock, "experiment_features_enabled": exp, "updated_at": now}).Error; err != nil {
			return err
		}
		if v != st.DuoFeaturesEnabled {
			if out, err = tx.instanceImpact(ctx, v, true, now); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "duo_availability_changed", TargetType: "Instance", TargetName: "instance",
			Details: map[string]any{
				"duo_availability":            change(before, a),
				"duo_features_enabled":        change(st.DuoFeaturesEnabled, v),
				"lock_duo_features_enabled":   change(st.LockDuoFeaturesEnabled, lock),
				"experiment_features_enabled": change(st.ExperimentFeaturesEnabled, exp),
				"descendants_reset":           map[string]int64{"subgroups": out.Subgroups, "projects": out.Projects},
			}})
	})
	return out, err
}

// forUpdate is SELECT … FOR UPDATE on Postgres; SQLite's transactions
// already take the write lock up front (_txlock=immediate).
func (s *Store) forUpdate(ctx context.Context) *gorm.DB {
	if s.dialect == Postgres {
		return s.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return s.q(ctx)
}
