package models

import "context"

// IsHierarchyMember reports whether the user has an accepted membership in
// g, an ancestor of g (inherited), anything below g, or a group invited to
// any of those: the people a group owner may explain access for. It looks
// at the user's own few memberships, never at the subtree's.
func (s *Store) IsHierarchyMember(ctx context.Context, g *Group, userID int64) (bool, error) {
	links, err := s.inviteLinks(ctx, g.TraversalPath)
	if err != nil {
		return false, err
	}
	lo, hi := subtreeRange(g.TraversalPath)
	var n int64
	err = s.q(ctx).Raw(`SELECT COUNT(*) FROM members m
		LEFT JOIN namespaces mg ON m.source_type = ? AND mg.id = m.source_id
		LEFT JOIN projects mp ON m.source_type = ? AND mp.id = m.source_id
		LEFT JOIN namespaces mpn ON mpn.id = mp.namespace_id
		WHERE m.user_id = ? AND NOT m.pending AND (
			(mg.traversal_path >= ? AND mg.traversal_path < ?)
			OR mg.id IN ?
			OR (mpn.traversal_path >= ? AND mpn.traversal_path < ?)
			OR mg.id IN ?)`, SourceGroup, SourceProject, userID, lo, hi, append(g.AncestorIDs(), 0), lo, hi,
		append(invitedGroupIDs(links), 0)).Scan(&n).Error
	return n > 0, err
}
