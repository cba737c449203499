package models

import (
	"context"
	"sort"
	"strings"
)

// The availability map (#21): every group and project of a scope with its
// effective GitLab Duo state and where it comes from. The scope's groups
// are read in one statement and resolved in one pass, parents first, with
// ResolveDuo itself (so the map cannot disagree with the screens); projects
// are read per page, or counted per group in one aggregate statement.

// MapState is a node's effective state as the map shows it.
type MapState string

const (
	MapOn        MapState = "On"
	MapOff       MapState = "Off"
	MapAlwaysOn  MapState = "Always on"
	MapAlwaysOff MapState = "Always off"
)

func mapState(r DuoResolution) MapState {
	switch a := r.Availability(); {
	case a == AlwaysOn:
		return MapAlwaysOn
	case a == NeverOn:
		return MapAlwaysOff
	case r.Enabled:
		return MapOn
	}
	return MapOff
}

// MapNode is one group or project on the map.
type MapNode struct {
	Kind     string // NodeGroup or NodeProject
	ID       int64
	FullPath string
	Name     string
	ParentID int64 // the parent group (0 for a top-level group)
	Depth    int
	State    MapState
	// How: "set here", "inherited", "locked" or "enforced"; By names who
	// (a group path, "instance", or the enforcer's kind).
	How string
	By  string
	// Locks: the node itself sets a lock (Always on/off, or enforced).
	Locks    bool
	Enforced bool
	// EnforcedByAdmin and EnforcedReason describe an enforcement.
	EnforcedByAdmin bool
	EnforcedReason  string
	// Differs: the effective value is not its parent's.
	Differs  bool
	Children int // direct subgroups (groups only)
	Projects int // direct projects (groups only)
}

// DuoMap is a resolved scope: the instance or one top-level group's tree.
type DuoMap struct {
	Instance InstanceSettings
	Root     *Group // nil: the whole instance
	Groups   []MapNode
	byID     map[int64]int
	res      map[int64]DuoResolution
	chains   map[int64][]DuoNode // a group's chain of groups, top-level first, ending with itself
	Counts   MapCounts
	// InstanceLock is "Always on" or "Always off" when the instance locks
	// the setting (instance scope only).
	InstanceLock string
}

// MapCounts are the figures at the top of the map.
type MapCounts struct {
	On, Off, Locks int64
	Groups         int64
	Projects       int64
}

// LoadDuoMap resolves every group of the scope (root nil: the instance)
// and counts the projects by state: three statements whatever the size.
func (s *Store) LoadDuoMap(ctx context.Context, root *Group) (*DuoMap, error) {
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return nil, err
	}
	m := &DuoMap{Instance: *st, Root: root, byID: map[int64]int{}, res: map[int64]DuoResolution{}, chains: map[int64][]DuoNode{}}
	var groups []Group
	q := s.q(ctx).Order("traversal_path")
	if root != nil {
		lo, hi := subtreeRange(root.TraversalPath)
		q = q.Where("traversal_path >= ? AND traversal_path < ?", lo, hi)
	}
	if err := q.Find(&groups).Error; err != nil {
		return nil, err
	}
	inst := InstanceNode(st)
	for i := range groups {
		g := &groups[i]
		var parentChain []DuoNode
		var parentRes *DuoResolution
		if g.ParentID != nil {
			parentChain = m.chains[*g.ParentID]
			if r, ok := m.res[*g.ParentID]; ok {
				parentRes = &r
			}
		}
		self := GroupNode(g)
		r := ResolveDuo(inst, parentChain, self)
		m.res[g.ID] = r
		m.chains[g.ID] = append(append(make([]DuoNode, 0, len(parentChain)+1), parentChain...), self)
		n := MapNode{Kind: NodeGroup, ID: g.ID, FullPath: g.FullPath, Name: g.Name, Depth: strings.Count(g.FullPath, "/"),
			State: mapState(r), Locks: g.LockDuoFeaturesEnabled || g.DuoEnforced(), Enforced: g.DuoEnforced(),
			EnforcedByAdmin: g.DuoEnforced() && g.DuoEnforcedByAdmin, EnforcedReason: g.DuoEnforcedReason}
		if g.ParentID != nil {
			n.ParentID = *g.ParentID
		}
		n.How, n.By = provenance(r, g)
		n.Differs = differs(r, parentRes, inst)
		m.byID[g.ID] = len(m.Groups)
		m.Groups = append(m.Groups, n)
		if n.Locks {
			m.Counts.Locks++
		}
		if r.Enabled {
			m.Counts.On++
		} else {
			m.Counts.Off++
		}
		if p, ok := m.byID[n.ParentID]; ok && g.ParentID != nil {
			m.Groups[p].Children++
		}
	}
	m.Counts.Groups = int64(len(m.Groups))
	if root == nil && st.LockDuoFeaturesEnabled {
		// The instance's own lock is one of the scope's locks.
		m.Counts.Locks++
		m.InstanceLock = InstanceAvailability(st.DuoFeaturesEnabled, true).Title()
	}
	return m, m.countProjects(ctx, s)
}

// provenance says how a node got its state and from whom.
func provenance(r DuoResolution, g *Group) (how, by string) {
	switch {
	case g != nil && g.DuoEnforced():
		if g.DuoEnforcedByAdmin {
			return "enforced", "an administrator"
		}
		return "enforced", "an owner of the top-level group"
	case r.LockedBy != nil:
		return "locked", r.LockSource()
	case r.FromSelf:
		return "set here", ""
	}
	return "inherited", strings.TrimPrefix(r.APISource(), "self")
}

// differs: the effective value is not the parent's (the instance's for a
// top-level group).
func differs(r DuoResolution, parent *DuoResolution, inst DuoNode) bool {
	if parent == nil {
		return r.Enabled != boolOr(inst.Enabled, true)
	}
	return r.Enabled != parent.Enabled
}

type projectAgg struct {
	NamespaceID        int64
	DuoFeaturesEnabled bool
	N                  int64
}

// countProjects adds the projects, by group and stored value: under a lock
// they take its value, otherwise their own.
func (m *DuoMap) countProjects(ctx context.Context, s *Store) error {
	var rows []projectAgg
	q := s.q(ctx).Model(&Project{}).Select("namespace_id, duo_features_enabled, count(*) AS n").Group("namespace_id, duo_features_enabled")
	if m.Root != nil {
		q = q.Where("namespace_id IN (?)", m.subtreeIDs(s, ctx))
	}
	if err := q.Scan(&rows).Error; err != nil {
		return err
	}
	for _, row := range rows {
		i, ok := m.byID[row.NamespaceID]
		if !ok {
			continue
		}
		m.Groups[i].Projects += int(row.N)
		m.Counts.Projects += row.N
		if m.projectEnabled(row.NamespaceID, row.DuoFeaturesEnabled) {
			m.Counts.On += row.N
		} else {
			m.Counts.Off += row.N
		}
	}
	return nil
}

func (m *DuoMap) subtreeIDs(s *Store, ctx context.Context) any {
	lo, hi := subtreeRange(m.Root.TraversalPath)
	return s.q(ctx).Model(&Group{}).Select("id").Where("traversal_path >= ? AND traversal_path < ?", lo, hi)
}

// projectResolution resolves a project of a group on the map.
func (m *DuoMap) projectResolution(groupID int64, p *Project) DuoResolution {
	return ResolveDuo(InstanceNode(&m.Instance), m.chains[groupID], ProjectNode(p))
}

func (m *DuoMap) projectEnabled(groupID int64, stored bool) bool {
	return m.projectResolution(groupID, &Project{DuoFeaturesEnabled: stored}).Enabled
}

// projectNodeOf is a project as a map node.
func (m *DuoMap) projectNodeOf(p *Project) MapNode {
	r := m.projectResolution(p.NamespaceID, p)
	n := MapNode{Kind: NodeProject, ID: p.ID, FullPath: p.FullPath, Name: p.Name, ParentID: p.NamespaceID,
		Depth: strings.Count(p.FullPath, "/"), State: mapState(r)}
	n.How, n.By = provenance(r, nil)
	if gr, ok := m.res[p.NamespaceID]; ok {
		n.Differs = gr.Enabled != r.Enabled
	}
	return n
}

// Group is the map's node of a group id.
func (m *DuoMap) Group(id int64) (MapNode, bool) {
	i, ok := m.byID[id]
	if !ok {
		return MapNode{}, false
	}
	return m.Groups[i], true
}

// GroupByPath finds a group of the map by its full path.
func (m *DuoMap) GroupByPath(path string) (MapNode, bool) {
	for _, g := range m.Groups {
		if strings.EqualFold(g.FullPath, path) {
			return g, true
		}
	}
	return MapNode{}, false
}

// ChildGroups lists a group's direct subgroups (parent 0: the scope's
// top-level groups), by path.
func (m *DuoMap) ChildGroups(parent int64) []MapNode {
	var out []MapNode
	for _, g := range m.Groups {
		if g.ParentID == parent || (parent == 0 && m.Root != nil && g.ID == m.Root.ID) {
			if parent == 0 && m.Root == nil && g.ParentID != 0 {
				continue
			}
			out = append(out, g)
		}
	}
	return out
}

// ChildProjects lists the direct projects of the groups ids, at most
// limit per group, by path: one statement.
func (s *Store) MapChildProjects(ctx context.Context, m *DuoMap, ids []int64, limit int) (map[int64][]MapNode, error) {
	out := map[int64][]MapNode{}
	if len(ids) == 0 {
		return out, nil
	}
	var ps []Project
	if err := s.q(ctx).Where("namespace_id IN ?", ids).Order("full_path").Find(&ps).Error; err != nil {
		return nil, err
	}
	for i := range ps {
		if len(out[ps[i].NamespaceID]) < limit {
			out[ps[i].NamespaceID] = append(out[ps[i].NamespaceID], m.projectNodeOf(&ps[i]))
		}
	}
	return out, nil
}

// MapFilter narrows the map to a flat list.
type MapFilter struct {
	Differs bool
	Locked  bool
	Search  string // part of the full path, any case
}

func (f MapFilter) Any() bool { return f.Differs || f.Locked || f.Search != "" }

func (f MapFilter) matchGroup(n MapNode) bool {
	return (!f.Differs || n.Differs) && (!f.Locked || n.Locks) &&
		(f.Search == "" || strings.Contains(strings.ToLower(n.FullPath), strings.ToLower(f.Search)))
}

// FilterGroups is the groups matching f, by path.
func (m *DuoMap) FilterGroups(f MapFilter) []MapNode {
	var out []MapNode
	for _, g := range m.Groups {
		if f.matchGroup(g) {
			out = append(out, g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FullPath < out[j].FullPath })
	return out
}

// FilterProjects is a page of the projects matching f, paginated in SQL.
// A project sets no lock, so "only locked" lists none; "differs" keeps
// those unlocked whose own value is not their group's.
func (s *Store) MapFilterProjects(ctx context.Context, m *DuoMap, f MapFilter, pg Page) (Paged[MapNode], error) {
	var out Paged[MapNode]
	if f.Locked {
		return out, nil
	}
	q := s.q(ctx).Model(&Project{})
	if m.Root != nil {
		q = q.Where("namespace_id IN (?)", m.subtreeIDs(s, ctx))
	}
	if f.Search != "" {
		q = q.Where(`lower(full_path) LIKE ? ESCAPE '\'`, "%"+likeEscape(strings.ToLower(f.Search))+"%")
	}
	if f.Differs {
		// Groups whose projects are free to differ, by their value: the
		// projects differing are those storing the other value.
		var on, off []int64
		for _, g := range m.Groups {
			if r := m.res[g.ID]; r.LockedBy == nil && !r.LockedBySelf {
				if r.Enabled {
					on = append(on, g.ID)
				} else {
					off = append(off, g.ID)
				}
			}
		}
		q = q.Where("(namespace_id IN ? AND NOT duo_features_enabled) OR (namespace_id IN ? AND duo_features_enabled)", orNone(on), orNone(off))
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	var ps []Project
	pg = pg.normalized()
	if err := q.Order("full_path").Limit(pg.PerPage).Offset(pg.Offset()).Find(&ps).Error; err != nil {
		return out, err
	}
	for i := range ps {
		out.Items = append(out.Items, m.projectNodeOf(&ps[i]))
	}
	out.Page, out.PerPage = pg.Number, pg.PerPage
	return out, nil
}

// orNone keeps IN () valid for an empty list.
func orNone(ids []int64) []int64 {
	if len(ids) == 0 {
		return []int64{0}
	}
	return ids
}
