package models

import (
	"context"
	"strings"
)

// The availability map's pages at scale (#21): the page never reads the
// whole scope. Its counts and filters are SQL over one recursive
// statement that carries each group's effective value down the tree
// (mapEffective); a level of the tree is a page of one group's children
// with the first few of theirs. The nodes shown are resolved with
// ResolveDuo from their rows and their ancestors' (one statement), so
// the page cannot disagree with the settings screens.

// sqlBool is a boolean literal both dialects read (SQLite 3.23+).
func sqlBool(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

// mapEffective is a WITH clause naming eff: every group of the scope
// (root nil: the instance) with
//
//	locked  its own lock, locks its lock or enforcement
//	own     its stored value, inh the value it would inherit
//	lockv   the value of the nearest locked ancestor (NULL: none)
//	val     its effective value, pval its parent's (the instance's)
//
// by ResolveDuo's read order: the instance's lock, the nearest locked
// ancestor, its own value, the nearest stored value above, the instance.
func mapEffective(st *InstanceSettings, root *Group) (string, []any) {
	inst, instLocked := sqlBool(st.DuoFeaturesEnabled), sqlBool(st.LockDuoFeaturesEnabled)
	base, args := "n.parent_id IS NULL", []any(nil)
	if root != nil {
		base, args = "n.id = ?", []any{root.ID}
	}
	return `WITH RECURSIVE eff (id, locked, locks, own, inh, lockv, val, pval) AS (
		SELECT n.id, n.lock_duo_features_enabled, (n.lock_duo_features_enabled OR n.duo_enforced_at IS NOT NULL),
			n.duo_features_enabled, ` + inst + `, CAST(NULL AS BOOLEAN),
			CASE WHEN ` + instLocked + ` THEN ` + inst + ` ELSE COALESCE(n.duo_features_enabled, ` + inst + `) END, ` + inst + `
		FROM namespaces n WHERE ` + base + `
		UNION ALL
		SELECT n.id, n.lock_duo_features_enabled, (n.lock_duo_features_enabled OR n.duo_enforced_at IS NOT NULL),
			n.duo_features_enabled, COALESCE(e.own, e.inh),
			CASE WHEN e.locked THEN COALESCE(e.own, e.inh) ELSE e.lockv END,
			CASE WHEN ` + instLocked + ` THEN ` + inst + `
				WHEN e.locked THEN COALESCE(e.own, e.inh)
				WHEN e.lockv IS NOT NULL THEN e.lockv
				ELSE COALESCE(n.duo_features_enabled, e.own, e.inh) END,
			e.val
		FROM eff e JOIN namespaces n ON n.parent_id = e.id)
	`, args
}

// mapProjectValue is a project's effective value, p joined to its group e
// in eff: a lock above it (the instance's, its group's or one higher)
// decides, else its own value.
func mapProjectValue(st *InstanceSettings) string {
	return `CASE WHEN ` + sqlBool(st.LockDuoFeaturesEnabled) + ` THEN ` + sqlBool(st.DuoFeaturesEnabled) + `
		WHEN e.locked THEN COALESCE(e.own, e.inh)
		WHEN e.lockv IS NOT NULL THEN e.lockv
		ELSE p.duo_features_enabled END`
}

// MapCountsOf are the figures at the top of the map, from two aggregates
// over the scope in one statement (the projects' from the index on their
// group and value), and the instance's lock ("Always on",
// "Always off" or "") when the scope is the instance.
func (s *Store) MapCountsOf(ctx context.Context, root *Group) (MapCounts, string, error) {
	var c MapCounts
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return c, "", err
	}
	with, args := mapEffective(st, root)
	var groupsOn, projectsOn int64
	err = s.QueryRow(ctx, with+`SELECT g.n, g.won, g.locks, pr.n, pr.won FROM
			(SELECT count(*) AS n, COALESCE(sum(CASE WHEN val THEN 1 ELSE 0 END), 0) AS won,
				COALESCE(sum(CASE WHEN locks THEN 1 ELSE 0 END), 0) AS locks FROM eff) g,
			(SELECT count(*) AS n, COALESCE(sum(CASE WHEN `+mapProjectValue(st)+` THEN 1 ELSE 0 END), 0) AS won
				FROM eff e JOIN projects p ON p.namespace_id = e.id) pr`,
		args, &c.Groups, &groupsOn, &c.Locks, &c.Projects, &projectsOn)
	if err != nil {
		return c, "", err
	}
	c.On = groupsOn + projectsOn
	c.Off = c.Groups + c.Projects - c.On
	lock := ""
	if root == nil && st.LockDuoFeaturesEnabled {
		// The instance's own lock is one of the scope's locks.
		c.Locks++
		lock = InstanceAvailability(st.DuoFeaturesEnabled, true).Title()
	}
	return c, lock, nil
}

// MapBranch is a group shown open on a level of the map, with the first of
// its subgroups and projects.
type MapBranch struct {
	Node     MapNode
	Groups   []MapNode
	Projects []MapNode
	// More: it has more subgroups or projects than shown.
	More bool
}

// MapLevel is one level of the map: a page of a group's subgroups (at the
// top, the scope's top-level groups) and a page of its own projects.
type MapLevel struct {
	Parent   *MapNode // nil at the top
	Up       string   // the parent's parent's path ("" the top)
	Groups   Paged[MapBranch]
	Projects Paged[MapNode]
}

// MapLevelOf reads one level: subtree "" is the top of the scope (root nil:
// the instance's top-level groups; else root itself), else the group of
// that path, which must be in the scope (ErrNotFound). Each group of the
// page comes with its first `preview` subgroups and projects. A fixed
// number of statements whatever the size of the tree.
func (s *Store) MapLevelOf(ctx context.Context, root *Group, subtree string, pg Page, preview int) (*MapLevel, error) {
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return nil, err
	}
	pg = pg.normalized()
	out := &MapLevel{}
	var parent *Group
	level := s.q(ctx).Model(&Group{})
	switch {
	case subtree != "":
		q := s.q(ctx).Where("lower(full_path) = lower(?)", subtree)
		if root != nil {
			lo, hi := root.SubtreeRange()
			q = q.Where("traversal_path >= ? AND traversal_path < ?", lo, hi)
		}
		if parent, err = first[Group](q); err != nil {
			return nil, err
		}
		level = level.Where("parent_id = ?", parent.ID)
	case root != nil:
		level = level.Where("id = ?", root.ID)
	default:
		level = level.Where("parent_id IS NULL")
	}
	if err := level.Count(&out.Groups.Total).Error; err != nil {
		return nil, err
	}
	var groups []Group
	if err := level.Order("full_path").Limit(pg.PerPage).Offset(pg.Offset()).Find(&groups).Error; err != nil {
		return nil, err
	}
	out.Groups.Page, out.Groups.PerPage = pg.Number, pg.PerPage
	ids := make([]int64, 0, len(groups)+1)
	for _, g := range groups {
		ids = append(ids, g.ID)
	}
	var kids []Group
	var projects []Project
	if len(ids) > 0 {
		if err := s.q(ctx).Raw(`SELECT * FROM (SELECT n.*, row_number() OVER (PARTITION BY parent_id ORDER BY full_path) AS map_rank
			FROM namespaces n WHERE parent_id IN ?) ranked WHERE map_rank <= ? ORDER BY full_path`, ids, preview).Scan(&kids).Error; err != nil {
			return nil, err
		}
		if err := s.q(ctx).Raw(`SELECT * FROM (SELECT p.*, row_number() OVER (PARTITION BY namespace_id ORDER BY full_path) AS map_rank
			FROM projects p WHERE namespace_id IN ?) ranked WHERE map_rank <= ? ORDER BY full_path`, ids, preview).Scan(&projects).Error; err != nil {
			return nil, err
		}
	}
	children, err := s.countBy(ctx, "namespaces", "parent_id", ids)
	if err != nil {
		return nil, err
	}
	counts, err := s.countBy(ctx, "projects", "namespace_id", ids)
	if err != nil {
		return nil, err
	}
	var own []Project
	if parent != nil {
		q := s.q(ctx).Model(&Project{}).Where("namespace_id = ?", parent.ID)
		if err := q.Count(&out.Projects.Total).Error; err != nil {
			return nil, err
		}
		if err := q.Order("full_path").Limit(pg.PerPage).Offset(pg.Offset()).Find(&own).Error; err != nil {
			return nil, err
		}
		out.Projects.Page, out.Projects.PerPage = pg.Number, pg.PerPage
	}
	shown := append(append([]Group{}, groups...), kids...)
	if parent != nil {
		shown = append(shown, *parent)
	}
	r, err := s.newMapResolver(ctx, st, shown)
	if err != nil {
		return nil, err
	}
	if parent != nil {
		n := r.group(parent.ID)
		out.Parent = &n
		if parent.ParentID != nil && (root == nil || parent.ID != root.ID) {
			out.Up = r.groups[*parent.ParentID].FullPath
		}
		for i := range own {
			out.Projects.Items = append(out.Projects.Items, r.project(&own[i]))
		}
	}
	for _, g := range groups {
		b := MapBranch{Node: r.group(g.ID)}
		b.Node.Children, b.Node.Projects = int(children[g.ID]), int(counts[g.ID])
		for _, k := range kids {
			if k.ParentID != nil && *k.ParentID == g.ID {
				b.Groups = append(b.Groups, r.group(k.ID))
			}
		}
		for i := range projects {
			if projects[i].NamespaceID == g.ID {
				b.Projects = append(b.Projects, r.project(&projects[i]))
			}
		}
		b.More = b.Node.Children > len(b.Groups) || b.Node.Projects > len(b.Projects)
		out.Groups.Items = append(out.Groups.Items, b)
	}
	return out, nil
}

// countBy counts the rows of table per value of col among ids.
func (s *Store) countBy(ctx context.Context, table, col string, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID int64
		N  int64
	}
	err := s.q(ctx).Table(table).Select(col+" AS id, count(*) AS n").Where(col+" IN ?", ids).Group(col).Scan(&rows).Error
	for _, r := range rows {
		out[r.ID] = r.N
	}
	return out, err
}

// MapFiltered is the map's flat list: a page of the groups and a page of
// the projects matching a filter.
type MapFiltered struct {
	Groups   Paged[MapNode]
	Projects Paged[MapNode]
}

// MapFilterOf pages the groups and projects of the scope matching f, both
// filtered, counted and paginated in SQL. A project sets no lock, so
// "only locked" lists none; a project differs from its parent when its
// effective value is not its group's.
func (s *Store) MapFilterOf(ctx context.Context, root *Group, f MapFilter, pg Page) (*MapFiltered, error) {
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return nil, err
	}
	pg = pg.normalized()
	out := &MapFiltered{}
	with, args := mapEffective(st, root)
	search := "%" + likeEscape(strings.ToLower(f.Search)) + "%"

	where, wargs := []string{"TRUE"}, []any{}
	if f.Differs {
		where = append(where, "e.val <> e.pval")
	}
	if f.Locked {
		where = append(where, "e.locks")
	}
	if f.Search != "" {
		where = append(where, `lower(n.full_path) LIKE ? ESCAPE '\'`)
		wargs = append(wargs, search)
	}
	from := ` FROM eff e JOIN namespaces n ON n.id = e.id WHERE ` + strings.Join(where, " AND ")
	qargs := append(append([]any{}, args...), wargs...)
	if err := s.QueryRow(ctx, with+`SELECT count(*)`+from, qargs, &out.Groups.Total); err != nil {
		return nil, err
	}
	var groups []Group
	if err := s.q(ctx).Raw(with+`SELECT n.*`+from+` ORDER BY n.full_path LIMIT ? OFFSET ?`,
		append(qargs, pg.PerPage, pg.Offset())...).Scan(&groups).Error; err != nil {
		return nil, err
	}
	out.Groups.Page, out.Groups.PerPage = pg.Number, pg.PerPage
	out.Projects.Page, out.Projects.PerPage = pg.Number, pg.PerPage

	var projects []Project
	if !f.Locked {
		where, wargs = []string{"TRUE"}, []any{}
		if f.Differs {
			where = append(where, "("+mapProjectValue(st)+") <> e.val")
		}
		if f.Search != "" {
			where = append(where, `lower(p.full_path) LIKE ? ESCAPE '\'`)
			wargs = append(wargs, search)
		}
		from = ` FROM projects p JOIN eff e ON e.id = p.namespace_id WHERE ` + strings.Join(where, " AND ")
		qargs = append(append([]any{}, args...), wargs...)
		if err := s.QueryRow(ctx, with+`SELECT count(*)`+from, qargs, &out.Projects.Total); err != nil {
			return nil, err
		}
		if err := s.q(ctx).Raw(with+`SELECT p.*`+from+` ORDER BY p.full_path LIMIT ? OFFSET ?`,
			append(qargs, pg.PerPage, pg.Offset())...).Scan(&projects).Error; err != nil {
			return nil, err
		}
	}
	shown := append([]Group{}, groups...)
	pgroups, err := s.projectGroups(ctx, projects)
	if err != nil {
		return nil, err
	}
	r, err := s.newMapResolver(ctx, st, append(shown, pgroups...))
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		out.Groups.Items = append(out.Groups.Items, r.group(g.ID))
	}
	for i := range projects {
		out.Projects.Items = append(out.Projects.Items, r.project(&projects[i]))
	}
	return out, nil
}

// projectGroups reads the groups of projects: one statement.
func (s *Store) projectGroups(ctx context.Context, ps []Project) ([]Group, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.NamespaceID
	}
	var gs []Group
	return gs, s.q(ctx).Where("id IN ?", ids).Find(&gs).Error
}

// mapResolver resolves the groups shown on a page and their projects
// from their rows and their ancestors'.
type mapResolver struct {
	inst   DuoNode
	groups map[int64]*Group
	res    map[int64]DuoResolution
}

// newMapResolver holds gs and reads those of their ancestors not among
// them in one statement.
func (s *Store) newMapResolver(ctx context.Context, st *InstanceSettings, gs []Group) (*mapResolver, error) {
	r := &mapResolver{inst: InstanceNode(st), groups: map[int64]*Group{}, res: map[int64]DuoResolution{}}
	for i := range gs {
		r.groups[gs[i].ID] = &gs[i]
	}
	var missing []int64
	seen := map[int64]bool{}
	for i := range gs {
		for _, id := range gs[i].AncestorIDs() {
			if _, ok := r.groups[id]; !ok && !seen[id] {
				seen[id] = true
				missing = append(missing, id)
			}
		}
	}
	if len(missing) > 0 {
		var above []Group
		if err := s.q(ctx).Where("id IN ?", missing).Find(&above).Error; err != nil {
			return nil, err
		}
		for i := range above {
			r.groups[above[i].ID] = &above[i]
		}
	}
	return r, nil
}

// chain is a group's ancestors, top-level first, ending with the group.
func (r *mapResolver) chain(id int64) []DuoNode {
	g := r.groups[id]
	var out []DuoNode
	for _, a := range g.AncestorIDs() {
		out = append(out, GroupNode(r.groups[a]))
	}
	return append(out, GroupNode(g))
}

func (r *mapResolver) resolve(id int64) DuoResolution {
	if res, ok := r.res[id]; ok {
		return res
	}
	c := r.chain(id)
	res := ResolveDuo(r.inst, c[:len(c)-1], c[len(c)-1])
	r.res[id] = res
	return res
}

// group is the map node of a held group.
func (r *mapResolver) group(id int64) MapNode {
	g := r.groups[id]
	res := r.resolve(id)
	n := MapNode{Kind: NodeGroup, ID: g.ID, FullPath: g.FullPath, Name: g.Name, Depth: strings.Count(g.FullPath, "/"),
		State: mapState(res), Locks: g.LockDuoFeaturesEnabled || g.DuoEnforced(), Enforced: g.DuoEnforced(),
		EnforcedByAdmin: g.DuoEnforced() && g.DuoEnforcedByAdmin, EnforcedReason: g.DuoEnforcedReason}
	n.How, n.By = provenance(res, g)
	var parent *DuoResolution
	if g.ParentID != nil {
		n.ParentID = *g.ParentID
		pr := r.resolve(*g.ParentID)
		parent = &pr
	}
	n.Differs = differs(res, parent, r.inst)
	return n
}

// project is the map node of a project whose group is held.
func (r *mapResolver) project(p *Project) MapNode {
	res := ResolveDuo(r.inst, r.chain(p.NamespaceID), ProjectNode(p))
	n := MapNode{Kind: NodeProject, ID: p.ID, FullPath: p.FullPath, Name: p.Name, ParentID: p.NamespaceID,
		Depth: strings.Count(p.FullPath, "/"), State: mapState(res)}
	n.How, n.By = provenance(res, nil)
	n.Differs = r.resolve(p.NamespaceID).Enabled != res.Enabled
	return n
}
