package models

import (
	"context"
	"time"
)

// UserSeat is one seat a user holds and the purchase that granted it.
type UserSeat struct {
	PurchaseID  int64
	AddOn       AddOn
	PurchaseXID string `gorm:"column:purchase_xid"`
	Trial       bool
	StartedAt   *Date
	ExpiresOn   Date
	// Namespace is the top-level group of the purchase, "" for the instance.
	Namespace  string
	AssignedAt time.Time
}

func (u UserSeat) Active(day Date) bool {
	p := AddOnPurchase{StartedAt: u.StartedAt, ExpiresOn: u.ExpiresOn}
	return p.ActiveOn(day)
}

// UserDuoScope is whose seats and Duo Core a Duo tab may show: the admin
// area sees the deployment's seats (all groups' on GitLab.com, the
// instance's on self-managed) and every seat event; a group owner sees
// their top-level group's on GitLab.com and the instance's on self-managed,
// where the instance is what grants seats.
type UserDuoScope struct {
	Deployment Deployment
	GroupPage  bool
	RootID     *int64 // GitLab.com group page: this top-level group only
}

// UserDuoCoverage tells where GitLab Duo Core reaches the user.
type UserDuoCoverage struct {
	// GitLab.com: Premium/Ultimate top-level groups with Duo Core on where
	// the user has more than the Guest role.
	Groups []string
	// Self-managed: the instance has Duo Core on and a paid plan.
	Instance bool
}

// UserSeats lists the seats the user holds in scope, oldest first.
func (s *Store) UserSeats(ctx context.Context, sc UserDuoScope, userID int64) ([]UserSeat, error) {
	var out []UserSeat
	q := s.q(ctx).Table("seat_assignments AS sa").Joins("JOIN add_on_purchases p ON p.id = sa.add_on_purchase_id").
		Joins("LEFT JOIN namespaces n ON n.id = p.namespace_id").
		Select(`p.id AS purchase_id, p.add_on, p.purchase_xid, p.trial, p.started_at, p.expires_on,
			COALESCE(n.full_path, '') AS namespace, sa.created_at AS assigned_at`).
		Where("sa.user_id = ?", userID)
	switch {
	case sc.RootID != nil:
		q = q.Where("p.namespace_id = ?", *sc.RootID)
	case sc.Deployment == GitLabCom:
		q = q.Where("p.namespace_id IS NOT NULL")
	default:
		q = q.Where("p.namespace_id IS NULL")
	}
	err := q.Order("sa.created_at, sa.id").Scan(&out).Error
	return out, err
}

// UserDuoCoverage finds where Duo Core covers the user, by the same facts
// the access decision uses.
func (s *Store) UserDuoCoverage(ctx context.Context, sc UserDuoScope, userID int64) (UserDuoCoverage, error) {
	var out UserDuoCoverage
	if sc.Deployment != GitLabCom {
		st, err := s.InstanceSettings(ctx)
		if err != nil {
			return out, err
		}
		out.Instance = st.DuoCoreFeaturesEnabled && st.Plan.Paid()
		return out, nil
	}
	groups, err := s.paidGroupFacts(ctx, userID, nil)
	if err != nil {
		return out, err
	}
	for _, g := range groups {
		if !g.DuoCore || !g.NonGuest {
			continue
		}
		if sc.RootID != nil {
			root, err := s.GroupByID(ctx, *sc.RootID)
			if err != nil {
				return out, err
			}
			if root.FullPath != g.Path {
				continue
			}
		}
		out.Groups = append(out.Groups, g.Path)
	}
	return out, nil
}

// GroupChainMember finds membership id among the memberships a group's
// members page lists: the group's own and those inherited from its
// ancestors.
func (s *Store) GroupChainMember(ctx context.Context, g *Group, id int64) (*Member, error) {
	return first[Member](s.q(ctx).Where("id = ? AND source_type = ? AND source_id IN ?", id, SourceGroup, append(g.AncestorIDs(), g.ID)))
}

// PurchaseLabels names purchases for a seat history: add-on and
// purchase_xid by id.
func (s *Store) PurchaseLabels(ctx context.Context, ids []int64) (map[int64]AddOnPurchase, error) {
	out := map[int64]AddOnPurchase{}
	if len(ids) == 0 {
		return out, nil
	}
	var ps []AddOnPurchase
	if err := s.q(ctx).Where("id IN ?", ids).Find(&ps).Error; err != nil {
		return nil, err
	}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}
