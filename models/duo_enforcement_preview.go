package models

import "context"

// PreviewEnforcement validates an enforcement as EnforceGroupDuo would and
// counts the subgroups and projects below g it locks, for the
// confirmation step; nothing is written.
func (s *Store) PreviewEnforcement(ctx context.Context, g *Group, e DuoEnforcement) (CascadeImpact, error) {
	var c CascadeImpact
	if errs := e.Validate(); errs != nil {
		return c, errs
	}
	ch := ChangeFor(e.Availability)
	ch.Enforce = &e
	if _, err := s.planGroup(ctx, g, ch); err != nil {
		return c, err
	}
	where, args := below(g)
	if err := s.q(ctx).Model(&Group{}).Where(where, args...).Count(&c.Subgroups).Error; err != nil {
		return c, err
	}
	lo, hi := subtreeRange(g.TraversalPath)
	err := s.q(ctx).Model(&Project{}).
		Where("namespace_id IN (?)", s.q(ctx).Model(&Group{}).Select("id").Where("traversal_path >= ? AND traversal_path < ?", lo, hi)).
		Count(&c.Projects).Error
	return c, err
}
