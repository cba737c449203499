package models

import "context"

// GroupPaths maps group ids to full paths in one query, for lists that
// name the namespace of each row.
func (s *Store) GroupPaths(ctx context.Context, ids []int64) (map[int64]string, error) {
	var gs []Group
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	if err := s.q(ctx).Select("id", "full_path").Where("id IN ?", ids).Find(&gs).Error; err != nil {
		return nil, err
	}
	for _, g := range gs {
		out[g.ID] = g.FullPath
	}
	return out, nil
}
