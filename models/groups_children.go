package models

import "context"

// GroupListCounts is what the admin groups list shows beside each group.
type GroupListCounts struct {
	Subgroups int64
	Projects  int64
	Members   int64
}

// CountsForGroups counts direct subgroups, projects and (accepted) members of
// each group in one query, so a list page costs the same at any size.
func (s *Store) CountsForGroups(ctx context.Context, ids []int64) (map[int64]GroupListCounts, error) {
	out := map[int64]GroupListCounts{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID int64
		GroupListCounts
	}
	err := s.q(ctx).Raw(`SELECT n.id,
			(SELECT count(*) FROM namespaces c WHERE c.parent_id = n.id) AS subgroups,
			(SELECT count(*) FROM projects p WHERE p.namespace_id = n.id) AS projects,
			(SELECT count(*) FROM members m WHERE m.source_type = ? AND m.source_id = n.id AND NOT m.pending) AS members
		FROM namespaces n WHERE n.id IN ?`, SourceGroup, ids).Scan(&rows).Error
	for _, r := range rows {
		out[r.ID] = r.GroupListCounts
	}
	return out, err
}

// GroupChild is a subgroup or a project on a group's overview.
type GroupChild struct {
	Kind     string // "group" or "project"
	ID       int64
	Name     string
	FullPath string
}

func (c GroupChild) IsGroup() bool { return c.Kind == "group" }

// GroupChildren pages through a group's subgroups, then its projects, as
// GitLab's "Subgroups and projects" tab lists them.
func (s *Store) GroupChildren(ctx context.Context, g *Group, page Page) (Paged[GroupChild], error) {
	page = page.normalized()
	out := Paged[GroupChild]{Page: page.Number, PerPage: page.PerPage}
	err := s.q(ctx).Raw(`SELECT (SELECT count(*) FROM namespaces WHERE parent_id = ?) +
		(SELECT count(*) FROM projects WHERE namespace_id = ?)`, g.ID, g.ID).Scan(&out.Total).Error
	if err != nil {
		return out, err
	}
	err = s.q(ctx).Raw(`SELECT kind, id, name, full_path FROM (
			SELECT 'group' AS kind, 0 AS kind_order, id, name, full_path FROM namespaces WHERE parent_id = ?
			UNION ALL
			SELECT 'project', 1, id, name, full_path FROM projects WHERE namespace_id = ?
		) children
		ORDER BY kind_order, lower(name), id
		LIMIT ? OFFSET ?`, g.ID, g.ID, page.PerPage, page.Offset()).Scan(&out.Items).Error
	return out, err
}
