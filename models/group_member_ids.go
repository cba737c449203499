package models

import "context"

// GroupMemberIDs maps users to their membership of group g itself (not of
// its subgroups or projects), for links to a member's pages; users who are
// not direct members are absent. One query for a page's users.
func (s *Store) GroupMemberIDs(ctx context.Context, g *Group, userIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var ms []Member
	err := s.q(ctx).Select("id, user_id").Where("source_type = ? AND source_id = ? AND user_id IN ?", SourceGroup, g.ID, userIDs).Find(&ms).Error
	for _, m := range ms {
		out[m.UserID] = m.ID
	}
	return out, err
}
