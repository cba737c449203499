package models

import (
	"context"
	"sort"
)

// DuoOffPlace is a group or project the user is a direct member of where
// GitLab Duo is effectively off.
type DuoOffPlace struct {
	Kind      string // NodeGroup or NodeProject
	FullPath  string
	Name      string
	AlwaysOff bool // locked off, by itself, an ancestor or the instance
	Why       string
}

// duoOffPlacesLimit bounds the memberships looked at: a profile page, not a report.
const duoOffPlacesLimit = 500

// DuoOffPlaces lists the user's groups and projects (direct memberships)
// with GitLab Duo effectively off: four queries whatever the number of
// memberships, the cascade resolved in memory.
func (s *Store) DuoOffPlaces(ctx context.Context, userID int64) ([]DuoOffPlace, error) {
	var groups []Group
	err := s.q(ctx).Table("namespaces AS n").Select("n.*").
		Joins("JOIN members m ON m.source_type = ? AND m.source_id = n.id", SourceGroup).
		Where("m.user_id = ? AND NOT m.pending", userID).Order("n.id").Limit(duoOffPlacesLimit).Find(&groups).Error
	if err != nil {
		return nil, err
	}
	type projectRow struct {
		Project
		NamespaceTraversal string
	}
	var projects []projectRow
	err = s.q(ctx).Table("projects AS p").Select("p.*, n.traversal_path AS namespace_traversal").
		Joins("JOIN members m ON m.source_type = ? AND m.source_id = p.id", SourceProject).
		Joins("JOIN namespaces n ON n.id = p.namespace_id").
		Where("m.user_id = ? AND NOT m.pending", userID).Order("p.id").Limit(duoOffPlacesLimit).Scan(&projects).Error
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 && len(projects) == 0 {
		return nil, nil
	}
	ids := []int64{0}
	for _, g := range groups {
		ids = append(ids, g.AncestorIDs()...)
	}
	for _, p := range projects {
		ids = append(ids, parseTraversalPath(p.NamespaceTraversal)...)
	}
	var chain []Group
	if err := s.q(ctx).Where("id IN ?", ids).Find(&chain).Error; err != nil {
		return nil, err
	}
	byID := map[int64]Group{}
	for _, g := range chain {
		byID[g.ID] = g
	}
	nodes := func(ids []int64) []DuoNode {
		out := make([]DuoNode, 0, len(ids))
		for _, id := range ids {
			g := byID[id]
			out = append(out, GroupNode(&g))
		}
		return out
	}
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return nil, err
	}
	inst := InstanceNode(st)
	var out []DuoOffPlace
	add := func(kind, path, name string, r DuoResolution) {
		if !r.Enabled {
			out = append(out, DuoOffPlace{Kind: kind, FullPath: path, Name: name, AlwaysOff: r.Availability() == NeverOn, Why: r.SourceLabel()})
		}
	}
	for i := range groups {
		g := &groups[i]
		add(NodeGroup, g.FullPath, g.Name, ResolveDuo(inst, nodes(g.AncestorIDs()), GroupNode(g)))
	}
	for i := range projects {
		p := &projects[i].Project
		r := ResolveDuo(inst, nodes(parseTraversalPath(projects[i].NamespaceTraversal)), ProjectNode(p))
		add(NodeProject, p.FullPath, p.Name, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullPath < out[j].FullPath })
	return out, nil
}
