package models

import "context"

// MemberOfResource reports whether the user has an accepted membership of
// the group or project, or of one of its ancestor groups: who may ask
// about it through the access API. A resource that does not exist gives
// false, so callers answer both with the same 404. Memberships through an
// invited group do not count. One query, through the members' user_id index.
func (s *Store) MemberOfResource(ctx context.Context, userID int64, ref ResourceRef) (bool, error) {
	var sql string
	switch ref.Kind {
	case ResourceGroup:
		sql = `SELECT COUNT(*) FROM namespaces n
			JOIN members m ON m.user_id = ? AND NOT m.pending AND m.source_type = ?
			JOIN namespaces mg ON mg.id = m.source_id
			WHERE lower(n.full_path) = lower(?)
			AND substr(n.traversal_path, 1, length(mg.traversal_path)) = mg.traversal_path`
	case ResourceProject:
		sql = `SELECT COUNT(*) FROM projects p
			JOIN namespaces n ON n.id = p.namespace_id
			JOIN members m ON m.user_id = ? AND NOT m.pending
			LEFT JOIN namespaces mg ON m.source_type = ? AND mg.id = m.source_id
			WHERE lower(p.full_path) = lower(?)
			AND ((m.source_type = '` + SourceProject + `' AND m.source_id = p.id)
				OR substr(n.traversal_path, 1, length(mg.traversal_path)) = mg.traversal_path)`
	default:
		return true, nil
	}
	var n int64
	err := s.q(ctx).Raw(sql, userID, SourceGroup, ref.Path).Scan(&n).Error
	return n > 0, err
}
