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
	return s.eligibleUsersFor(ctx, p, false)
}

// eligibleUsersInUserOrder is eligibleUsers for a merge with all of a
// purchase's seats in user order (IneligibleRemovals): on Postgres, the
// planner merged the members through their user_id index, fetching each
// of 55,000 member rows to check its top-level group (45 ms of a quantity
// change); read in user order from the hierarchy's own index
// (root_namespace_id, user_id), alone, they took 20 ms. Other callers
// probe a few users, where that index order would not pay.
func (s *Store) eligibleUsersInUserOrder(ctx context.Context, p *AddOnPurchase) *gorm.DB {
	return s.eligibleUsersFor(ctx, p, true)
}

func (s *Store) eligibleUsersFor(ctx context.Context, p *AddOnPurchase, inUserOrder bool) *gorm.DB {
	if p.NamespaceID == nil {
		return s.eligibleAmong(ctx, p, nil, false, false)
	}
	links, err := s.inviteLinks(ctx, itoa(*p.NamespaceID)+"/")
	q := s.eligibleAmong(ctx, p, invitedGroupIDs(links), true, inUserOrder)
	if err != nil {
		_ = q.AddError(err)
	}
	return q
}

// eligibleAmong is eligibleUsers with the hierarchy's invited groups (see
// inviteLinks) already looked up, for callers that query it repeatedly,
// and bans false when the caller knows the top-level group bans nobody.
// inUserOrder: see eligibleUsersInUserOrder.
// On GitLab.com the hierarchy's members are one range of the
// root_namespace_id index however many subgroups and projects there are;
// without invited groups, the usual case, it stays a plain range the
// planner can merge with the users index.
func (s *Store) eligibleAmong(ctx context.Context, p *AddOnPurchase, invited []int64, bans, inUserOrder bool) *gorm.DB {
	q := s.q(ctx).Table("users AS u").Where("u.state = ? AND NOT u.bot", StateActive)
	if p.NamespaceID == nil {
		return q
	}
	root := *p.NamespaceID
	members := s.q(ctx).Table("members").Select("user_id")
	if len(invited) == 0 {
		members = members.Where("root_namespace_id = ? AND NOT pending", root)
		if inUserOrder && s.dialect == Postgres {
			// ORDER BY with OFFSET 0 keeps the planner from folding the
			// subquery into a merge over the members' user_id index.
			members = s.q(ctx).Raw("SELECT user_id FROM members WHERE root_namespace_id = ? AND NOT pending ORDER BY user_id OFFSET 0", root)
		}
	} else {
		members = members.Where("NOT pending AND (root_namespace_id = ? OR (source_type = ? AND source_id IN ?))", root, SourceGroup, invited)
	}
	// NOT EXISTS, not NOT IN: the planner estimates an anti-join from the
	// bans' statistics, but guesses that NOT IN (subquery) drops half the
	// users, which led it to plans for 50,000 eligible users, not 100,000.
	q = q.Where("u.id IN (?)", members)
	if !bans {
		return q
	}
	return q.Where("NOT EXISTS (SELECT 1 FROM namespace_bans nb WHERE nb.namespace_id = ? AND nb.user_id = u.id)", root)
}

// inviteLink: a group invited into a group or project of a subtree, and the
// most access the link grants its members (and its ancestors' members).
type inviteLink struct {
	TraversalPath string
	GroupAccess   AccessLevel
}

// inviteLinks lists the groups invited into a group or project of the
// subtree at traversalPath. Links are few, so it starts from them; the
// subtree is never enumerated.
func (s *Store) inviteLinks(ctx context.Context, traversalPath string) ([]inviteLink, error) {
	lo, hi := subtreeRange(traversalPath)
	var links []inviteLink
	err := s.q(ctx).Raw(`SELECT g.traversal_path, l.group_access FROM group_group_links l
			JOIN namespaces sg ON sg.id = l.shared_group_id JOIN namespaces g ON g.id = l.shared_with_group_id
			WHERE sg.traversal_path >= ? AND sg.traversal_path < ?
		UNION ALL
		SELECT g.traversal_path, l.group_access FROM project_group_links l
			JOIN projects lp ON lp.id = l.project_id JOIN namespaces lpn ON lpn.id = lp.namespace_id
			JOIN namespaces g ON g.id = l.group_id
			WHERE lpn.traversal_path >= ? AND lpn.traversal_path < ?`, lo, hi, lo, hi).Scan(&links).Error
	return links, err
}

// invitedGroupIDs is the invited groups and their ancestors, whose members
// the invited group inherits: the ids of the links' traversal paths.
func invitedGroupIDs(links []inviteLink) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, l := range links {
		for _, id := range parseTraversalPath(l.TraversalPath) {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// IsEligible reports whether one user may hold a seat of p.
func (s *Store) IsEligible(ctx context.Context, p *AddOnPurchase, userID int64) (bool, error) {
	var n int64
	err := s.eligibleUsers(ctx, p).Where("u.id = ?", userID).Count(&n).Error
	return n > 0, err
}
