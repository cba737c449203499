package models

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

var pathPattern = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,254}$`)

// reservedTopLevel would clash with our own top-level URLs; "-" and "edit"
// end a group or project URL at any depth ("/acme/api/edit").
var (
	reservedTopLevel = map[string]bool{"admin": true, "groups": true, "projects": true, "users": true, "api": true,
		"assets": true, "static": true, "new": true, "dashboard": true, "help": true}
	reservedAnywhere = map[string]bool{"-": true, "edit": true}
)

func validPath(p string, topLevel bool) bool {
	lower := strings.ToLower(p)
	return pathPattern.MatchString(p) && !reservedAnywhere[lower] && !(topLevel && reservedTopLevel[lower]) &&
		!strings.HasSuffix(p, ".") && !strings.HasSuffix(p, ".git") && !strings.HasSuffix(p, ".atom")
}

// FullPathProblem checks each segment of a non-empty full path such as
// "acme/platform/api"; "" means it is valid.
func FullPathProblem(fullPath string) string {
	for i, seg := range strings.Split(fullPath, "/") {
		if validPath(seg, i == 0) {
			continue
		}
		lower := strings.ToLower(seg)
		if pathPattern.MatchString(seg) && (reservedAnywhere[lower] || (i == 0 && reservedTopLevel[lower])) {
			return fmt.Sprintf("not a valid path: %q is a reserved name", seg)
		}
		return fmt.Sprintf("not a valid path: %q can contain only letters, digits, '_', '-' and '.', "+
			"and cannot start with '-' or end in '.', '.git' or '.atom'", seg)
	}
	return ""
}

func (s *Store) GroupByID(ctx context.Context, id int64) (*Group, error) {
	return first[Group](s.q(ctx).Where("id = ?", id))
}

func (s *Store) GroupByFullPath(ctx context.Context, fullPath string) (*Group, error) {
	return first[Group](s.q(ctx).Where("lower(full_path) = lower(?)", fullPath))
}

// Ancestors returns g's ancestors from the top-level group down to the parent.
func (s *Store) Ancestors(ctx context.Context, g *Group) ([]Group, error) {
	ids := g.AncestorIDs()
	if len(ids) == 0 {
		return nil, nil
	}
	var gs []Group
	if err := s.q(ctx).Where("id IN ?", ids).Find(&gs).Error; err != nil {
		return nil, err
	}
	byID := map[int64]Group{}
	for _, a := range gs {
		byID[a.ID] = a
	}
	out := make([]Group, 0, len(ids))
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out, nil
}

func (s *Store) Subgroups(ctx context.Context, parentID int64) ([]Group, error) {
	var gs []Group
	err := s.q(ctx).Where("parent_id = ?", parentID).Order("lower(name), id").Find(&gs).Error
	return gs, err
}

type GroupFilter struct {
	Search   string
	TopLevel bool
	// OwnedBy, when set, keeps the groups this user is a direct Owner of.
	OwnedBy int64
}

func (s *Store) ListGroups(ctx context.Context, f GroupFilter, page Page) (Paged[Group], error) {
	page = page.normalized()
	q := s.q(ctx).Model(&Group{})
	if f.TopLevel {
		q = q.Where("parent_id IS NULL")
	}
	if f.OwnedBy != 0 {
		q = q.Where("id IN (?)", s.ownedGroupIDs(ctx, f.OwnedBy))
	}
	if f.Search != "" {
		pat := "%" + likeEscape(strings.ToLower(f.Search)) + "%"
		q = q.Where("lower(full_path) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\'", pat, pat)
	}
	out := Paged[Group]{Page: page.Number, PerPage: page.PerPage}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := q.Order("lower(full_path), id").Offset(page.Offset()).Limit(page.PerPage).Find(&out.Items).Error
	return out, err
}

// SubtreeCounts is how many groups and projects sit below a group (itself excluded).
type SubtreeCounts struct {
	Subgroups int64
	Projects  int64
}

func (s *Store) CountSubtree(ctx context.Context, g *Group) (SubtreeCounts, error) {
	var c SubtreeCounts
	lo, hi := subtreeRange(g.TraversalPath)
	if err := s.q(ctx).Model(&Group{}).Where("traversal_path > ? AND traversal_path < ?", lo, hi).Count(&c.Subgroups).Error; err != nil {
		return c, err
	}
	err := s.q(ctx).Model(&Project{}).Where("namespace_id IN (?)",
		s.q(ctx).Model(&Group{}).Select("id").Where("traversal_path >= ? AND traversal_path < ?", lo, hi)).Count(&c.Projects).Error
	return c, err
}

type GroupInput struct {
	Path string
	Name string
	Plan Plan // top-level groups only; empty means free
}

// CreateGroup makes a top-level group (parent nil) or a subgroup.
func (s *Store) CreateGroup(ctx context.Context, actor Actor, parent *Group, in GroupInput) (*Group, error) {
	in.Path, in.Name = strings.TrimSpace(in.Path), strings.TrimSpace(in.Name)
	errs := FieldErrors{}
	if in.Name == "" {
		errs.Add("name", "can't be blank")
	}
	if !validPath(in.Path, parent == nil) {
		errs.Add("path", "can contain only letters, digits, '_', '-' and '.'; cannot start with '-', end in '.', '.git' or '.atom', or be a reserved name")
	}
	if parent == nil {
		if in.Plan == "" {
			in.Plan = PlanFree
		}
		if !in.Plan.Valid() {
			errs.Add("plan", "is not a plan (free, premium, ultimate)")
		}
	} else if in.Plan != "" {
		errs.Add("plan", "can only be set on a top-level group")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	fullPath := in.Path
	if parent != nil {
		fullPath = parent.FullPath + "/" + in.Path
	}
	g := &Group{ParentID: nil, Path: in.Path, FullPath: fullPath, Name: in.Name, Plan: in.Plan}
	if parent != nil {
		pid := parent.ID
		g.ParentID = &pid
	}
	err := s.Tx(ctx, func(tx *Store) error {
		if taken, err := tx.fullPathTaken(ctx, fullPath); err != nil {
			return err
		} else if taken {
			return FieldErrors{"path": "has already been taken"}
		}
		if err := tx.q(ctx).Create(g).Error; err != nil {
			return err
		}
		g.TraversalPath = traversalPathOf(parent, g.ID)
		if err := tx.q(ctx).Model(g).Update("traversal_path", g.TraversalPath).Error; err != nil {
			return err
		}
		nsID := g.RootID()
		return tx.Audit(ctx, actor, AuditEntry{Action: "group_created", TargetType: "Group", TargetID: g.ID,
			TargetName: g.FullPath, NamespaceID: &nsID, Details: map[string]any{"plan": g.Plan}})
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// fullPathTaken checks groups and projects: they share one URL space.
func (s *Store) fullPathTaken(ctx context.Context, fullPath string) (bool, error) {
	var n int64
	if err := s.q(ctx).Model(&Group{}).Where("lower(full_path) = lower(?)", fullPath).Count(&n).Error; err != nil || n > 0 {
		return n > 0, err
	}
	err := s.q(ctx).Model(&Project{}).Where("lower(full_path) = lower(?)", fullPath).Count(&n).Error
	return n > 0, err
}

type GroupCounts struct{ Total, TopLevel int64 }

func (s *Store) CountGroups(ctx context.Context) (GroupCounts, error) {
	var c GroupCounts
	err := s.q(ctx).Model(&Group{}).Select("count(*) AS total, count(CASE WHEN parent_id IS NULL THEN 1 END) AS top_level").Scan(&c).Error
	return c, err
}
