package models

import (
	"context"

	"gorm.io/gorm"
)

// eligibleUsers is the set of users who may hold a seat of p, as a query on
// users (aliased u).
//   - Self-managed (no namespace): every active, non-bot user.
//   - GitLab.com: active, non-bot users with an accepted membership in the
//     top-level group, a subgroup, a project below it, or a group invited
//     to any of those (or that group's ancestors), and not banned in the
//     top-level group. Guests count.
func (s *Store) eligibleUsers(ctx context.Context, p *AddOnPurchase) *gorm.DB {
	q := s.q(ctx).Table("users AS u").Where("u.state = ? AND NOT u.bot", StateActive)
	if p.NamespaceID == nil {
		return q
	}
	return q.Where("u.id IN (?)", s.hierarchyMemberIDs(ctx, *p.NamespaceID)).
		Where("u.id NOT IN (?)", s.q(ctx).Table("namespace_bans").Select("user_id").Where("namespace_id = ?", *p.NamespaceID))
}

// hierarchyMemberIDs selects the user ids with an accepted membership in
// rootID's hierarchy, directly or through an invited group.
func (s *Store) hierarchyMemberIDs(ctx context.Context, rootID int64) *gorm.DB {
	groups, projects := s.hierarchy(ctx, rootID)
	return s.q(ctx).Table("members").Select("user_id").Where("NOT pending").Where(
		s.q(ctx).Where("source_type = ? AND source_id IN (?)", SourceGroup, groups).
			Or("source_type = ? AND source_id IN (?)", SourceProject, projects).
			Or("source_type = ? AND source_id IN (?)", SourceGroup, s.invitedGroupsAndAncestors(ctx, groups, projects)))
}

// hierarchy is the ids of rootID's groups (itself included) and projects.
func (s *Store) hierarchy(ctx context.Context, rootID int64) (groups, projects *gorm.DB) {
	// A top-level group's traversal path is its id and a slash.
	lo, hi := subtreeRange(itoa(rootID) + "/")
	groups = s.q(ctx).Table("namespaces").Select("id").Where("traversal_path >= ? AND traversal_path < ?", lo, hi)
	projects = s.q(ctx).Table("projects").Select("id").Where("namespace_id IN (?)", groups)
	return groups, projects
}

// invitedGroupsAndAncestors: groups invited into the hierarchy's groups or
// projects, and their ancestors (whose members the invited group inherits).
func (s *Store) invitedGroupsAndAncestors(ctx context.Context, groups, projects *gorm.DB) *gorm.DB {
	invited := s.q(ctx).Table("namespaces AS g").Select("g.traversal_path").Where(
		s.q(ctx).Where("g.id IN (?)", s.q(ctx).Table("group_group_links").Select("shared_with_group_id").Where("shared_group_id IN (?)", groups)).
			Or("g.id IN (?)", s.q(ctx).Table("project_group_links").Select("group_id").Where("project_id IN (?)", projects)))
	// a is an ancestor of (or is) g when g's traversal path starts with a's.
	return s.q(ctx).Table("namespaces AS a").Select("a.id").
		Where("EXISTS (SELECT 1 FROM (?) AS inv WHERE inv.traversal_path LIKE a.traversal_path || '%')", invited)
}

// IsEligible reports whether one user may hold a seat of p.
func (s *Store) IsEligible(ctx context.Context, p *AddOnPurchase, userID int64) (bool, error) {
	var n int64
	err := s.eligibleUsers(ctx, p).Where("u.id = ?", userID).Count(&n).Error
	return n > 0, err
}

// countEligibleAmong counts how many of ids are eligible for p.
func (s *Store) countEligibleAmong(ctx context.Context, p *AddOnPurchase, ids []int64) (int64, error) {
	var n int64
	err := s.whereIDIn(s.eligibleUsers(ctx, p), "u.id", ids).Count(&n).Error
	return n, err
}
