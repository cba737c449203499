package models

import (
	"context"
	"slices"

	"duoadmin/models/access"
)

// resourceChain is a group or project as the access check sees it: the
// resource, its ancestor groups, and whether a user is a member of it.
type resourceChain struct {
	found bool
	self  resourceRow
	// ancestors from the top-level group down to the parent group.
	ancestors []resourceRow
	// member: the user has an accepted membership of the resource or of
	// one of its ancestor groups (memberships through an invited group do
	// not count).
	member bool
}

type resourceRow struct {
	ID       int64
	FullPath string
	Name     string
	Enabled  *bool // a project always has a value; a group may inherit
	Locked   bool
}

// resolve gives the resource's effective GitLab Duo setting.
func (r resourceChain) resolve(st *InstanceSettings, kind access.ResourceKind) DuoResolution {
	ancestors := make([]DuoNode, len(r.ancestors))
	for i, a := range r.ancestors {
		ancestors[i] = a.node(NodeGroup)
	}
	self := NodeGroup
	if kind == access.ResourceProject {
		self = NodeProject
	}
	return ResolveDuo(InstanceNode(st), ancestors, r.self.node(self))
}

func (row resourceRow) node(kind string) DuoNode {
	return DuoNode{Kind: kind, ID: row.ID, FullPath: row.FullPath, Name: row.Name, Enabled: row.Enabled, Locked: row.Locked}
}

// The resource's part of an access-facts statement (access_facts.go).
//
// CTE res is the group or project named (one parameter, the path) with tp,
// the traversal path whose ids are its chain of groups: a group's own, a
// project's group's. CTE anc is every group of that chain by primary key,
// with pos its place in tp (1 the top-level group; a group's chain ends
// with the group itself). The rows are kind 'r', the resource (level 1 when
// the user is a member of it or of a group of its chain, which needs CTE
// mem), and kind 'a', the chain, ord being pos.
const (
	projectResCTE = `res AS (SELECT p.id, p.full_path, p.name, p.duo_features_enabled, false AS lock_duo_features_enabled,
		n.traversal_path AS tp
		FROM projects p JOIN namespaces n ON n.id = p.namespace_id WHERE lower(p.full_path) = lower(?) LIMIT 1)`
	groupResCTE = `res AS (SELECT g.id, g.full_path, g.name, g.duo_features_enabled, g.lock_duo_features_enabled,
		g.traversal_path AS tp
		FROM namespaces g WHERE lower(g.full_path) = lower(?) LIMIT 1)`
	// ancCTE takes the dialect's ids of r.tp as a table j: what joins it,
	// its id and its pos.
	ancCTE = `anc AS (SELECT a.id, a.full_path, a.name, a.duo_features_enabled, a.lock_duo_features_enabled, %[2]s AS pos
		FROM res r %[1]s JOIN namespaces a ON a.id = %[3]s)`
	traversalIDsPostgres = `CROSS JOIN unnest(CAST(string_to_array(rtrim(r.tp, '/'), '/') AS bigint[])) WITH ORDINALITY AS j(id, pos)`
	traversalIDsSQLite   = `CROSS JOIN json_each('[' || replace(rtrim(r.tp, '/'), '/', ',') || ']') j`
	resRows              = `SELECT 'r' AS kind, 0 AS ord, '' AS ord_text, r.id AS id, r.full_path AS path, r.name AS name,
		'' AS add_on, CAST(NULL AS date) AS started_at, CAST(NULL AS date) AS expires_on, %s AS level,
		r.lock_duo_features_enabled AS flag, r.duo_features_enabled AS enabled
	FROM res r
	UNION ALL
	SELECT 'a', a.pos, '', a.id, a.full_path, a.name, '', CAST(NULL AS date), CAST(NULL AS date), 0,
		a.lock_duo_features_enabled, a.duo_features_enabled
	FROM anc a`
	// memberOfGroupChain and memberOfProject are the 'r' row's level when
	// membership counts.
	memberOfGroupChain = `CASE WHEN EXISTS (SELECT 1 FROM mem m WHERE m.source_type = '` + SourceGroup + `'
		AND m.source_id IN (SELECT id FROM anc)) THEN 1 ELSE 0 END`
	memberOfProject = `CASE WHEN EXISTS (SELECT 1 FROM mem m WHERE (m.source_type = '` + SourceProject + `' AND m.source_id = r.id)
		OR (m.source_type = '` + SourceGroup + `' AND m.source_id IN (SELECT id FROM anc))) THEN 1 ELSE 0 END`
)

// sources are the rows the chain was read from; none for a resource not
// found.
func (r resourceChain) sources(kind access.ResourceKind) factsSources {
	if !r.found {
		return factsSources{}
	}
	var src factsSources
	for _, a := range r.ancestors {
		src.chain = append(src.chain, a.ID)
	}
	if kind == access.ResourceProject {
		src.project = r.self.ID
	} else {
		src.chain = append(src.chain, r.self.ID)
	}
	return src
}

// addRow takes one row of kind 'r' or 'a'; the chain comes top-level group
// first.
func (r *resourceChain) addRow(kind string, row resourceRow, member bool) {
	if kind == "r" {
		r.found, r.self, r.member = true, row, member
		return
	}
	r.ancestors = append(r.ancestors, row)
}

// finish drops a group from its own chain: it is not its own ancestor.
func (r *resourceChain) finish(kind access.ResourceKind) {
	if kind == access.ResourceGroup {
		r.ancestors = slices.DeleteFunc(r.ancestors, func(a resourceRow) bool { return a.ID == r.self.ID })
	}
}

// loadResourceChain loads a group or project, its ancestors and whether
// userID is a member of it, in one statement.
func (s *Store) loadResourceChain(ctx context.Context, ref ResourceRef, userID int64) (resourceChain, error) {
	f, err := s.loadFacts(ctx, factsQuery{userID: userID, resource: ref, checkMember: true})
	return f.resource, err
}
