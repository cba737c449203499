package models

import "context"

// IsHierarchyMember reports whether the user has an accepted membership in
// g, an ancestor of g (inherited), anything below g, or a group invited to
// any of those: the people a group owner may explain access for.
func (s *Store) IsHierarchyMember(ctx context.Context, g *Group, userID int64) (bool, error) {
	lo, hi := subtreeRange(g.TraversalPath)
	groups := s.q(ctx).Table("namespaces").Select("id").Where("traversal_path >= ? AND traversal_path < ?", lo, hi)
	projects := s.q(ctx).Table("projects").Select("id").Where("namespace_id IN (?)", groups)
	var n int64
	err := s.q(ctx).Table("members").Where("user_id = ? AND NOT pending", userID).Where(
		s.q(ctx).Where("source_type = ? AND source_id IN (?)", SourceGroup, groups).
			Or("source_type = ? AND source_id IN ?", SourceGroup, append(g.AncestorIDs(), 0)).
			Or("source_type = ? AND source_id IN (?)", SourceProject, projects).
			Or("source_type = ? AND source_id IN (?)", SourceGroup, s.invitedGroupsAndAncestors(ctx, groups, projects))).
		Limit(1).Count(&n).Error
	return n > 0, err
}
