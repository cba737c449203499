package models

import (
	"context"

	"gorm.io/gorm"
)

// AlwaysOffPreview is what turning GitLab Duo to Always off does to a
// scope (the instance, or a group and everything below it), for the
// confirmation that names it before anything is written.
type AlwaysOffPreview struct {
	// Groups and Projects are the groups (subgroups, for a group) and
	// projects the new lock covers: none of them can opt in any more.
	Groups   int64
	Projects int64
	// Replaced are the locks set below (Always off or Always on) that the
	// new lock removes, in path order, at most AlwaysOffPreviewLimit of
	// ReplacedTotal.
	Replaced      []ReplacedLock
	ReplacedTotal int64
	// SeatUsers are the active users holding a seat of an active GitLab
	// Duo purchase who are members of the scope (for a group also through
	// its parent groups): they lose GitLab Duo there.
	SeatUsers int64
}

// ReplacedLock is a lock below the scope that the new lock replaces.
type ReplacedLock struct {
	FullPath     string
	Name         string
	Availability Availability
}

// AlwaysOffPreviewLimit is how many replaced locks a confirmation names.
const AlwaysOffPreviewLimit = 20

// PreviewInstanceAlwaysOff counts what Always off for the instance locks
// and replaces. The locks it replaces are those SetInstanceDuoAvailability
// unlocks: only when the instance's value changes, outside enforced groups.
func (s *Store) PreviewInstanceAlwaysOff(ctx context.Context) (AlwaysOffPreview, error) {
	var out AlwaysOffPreview
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return out, err
	}
	if err := s.q(ctx).Model(&Group{}).Count(&out.Groups).Error; err != nil {
		return out, err
	}
	if err := s.q(ctx).Model(&Project{}).Count(&out.Projects).Error; err != nil {
		return out, err
	}
	if st.DuoFeaturesEnabled {
		var enforced []Group
		if err := s.q(ctx).Where("duo_enforced_at IS NOT NULL").Find(&enforced).Error; err != nil {
			return out, err
		}
		if err := s.replacedLocks(ctx, withoutEnforced(s.q(ctx).Model(&Group{}), enforced, "traversal_path"), &out); err != nil {
			return out, err
		}
	}
	purchases, err := s.activeSeatPurchaseIDs(ctx, nil)
	if err != nil {
		return out, err
	}
	out.SeatUsers, err = s.countSeatUsers(ctx, purchases, nil)
	return out, err
}

// PreviewGroupAlwaysOff validates Always off for g (a lock or an
// enforcement refuses it as UpdateGroupDuo would) and counts what it locks
// and replaces below g.
func (s *Store) PreviewGroupAlwaysOff(ctx context.Context, g *Group) (AlwaysOffPreview, error) {
	var out AlwaysOffPreview
	p, err := s.planGroup(ctx, g, ChangeFor(NeverOn))
	if err != nil {
		return out, err
	}
	where, args := below(g)
	if err := s.q(ctx).Model(&Group{}).Where(where, args...).Count(&out.Groups).Error; err != nil {
		return out, err
	}
	lo, hi := subtreeRange(g.TraversalPath)
	subtreeIDs := s.q(ctx).Model(&Group{}).Select("id").Where("traversal_path >= ? AND traversal_path < ?", lo, hi)
	projectIDs := s.q(ctx).Model(&Project{}).Select("id").Where("namespace_id IN (?)", subtreeIDs)
	if err := s.q(ctx).Model(&Project{}).Where("namespace_id IN (?)", subtreeIDs).Count(&out.Projects).Error; err != nil {
		return out, err
	}
	if p.cascadeValue || p.resetLocksBelow {
		// Locking refuses enforced subgroups (checkEnforcement), so every
		// lock below is replaced.
		if err := s.replacedLocks(ctx, s.q(ctx).Model(&Group{}).Where(where, args...), &out); err != nil {
			return out, err
		}
	}
	root := g.RootID()
	purchases, err := s.activeSeatPurchaseIDs(ctx, &root)
	if err != nil {
		return out, err
	}
	groupIDs := s.q(ctx).Model(&Group{}).Select("id").
		Where("(traversal_path >= ? AND traversal_path < ?) OR id IN ?", lo, hi, append(g.AncestorIDs(), g.ID))
	members := s.q(ctx).Table("members").Select("user_id").Where("NOT pending").
		Where("(source_type = ? AND source_id IN (?)) OR (source_type = ? AND source_id IN (?))",
			SourceGroup, groupIDs, SourceProject, projectIDs)
	out.SeatUsers, err = s.countSeatUsers(ctx, purchases, members)
	return out, err
}

// replacedLocks fills the locks among groups, the first of them by path.
func (s *Store) replacedLocks(ctx context.Context, groups *gorm.DB, out *AlwaysOffPreview) error {
	locked := groups.Where("lock_duo_features_enabled")
	if err := locked.Session(&gorm.Session{}).Count(&out.ReplacedTotal).Error; err != nil {
		return err
	}
	if out.ReplacedTotal == 0 {
		return nil
	}
	var gs []Group
	if err := locked.Order("traversal_path").Limit(AlwaysOffPreviewLimit).Find(&gs).Error; err != nil {
		return err
	}
	for _, g := range gs {
		on := g.DuoFeaturesEnabled != nil && *g.DuoFeaturesEnabled
		out.Replaced = append(out.Replaced, ReplacedLock{FullPath: g.FullPath, Name: g.Name,
			Availability: InstanceAvailability(on, true)})
	}
	return nil
}

// activeSeatPurchaseIDs are the purchases active today whose seats grant
// GitLab Duo in a top-level group's tree (rootID) or on the instance:
// the instance's purchases (self-managed) and the group's (GitLab.com).
func (s *Store) activeSeatPurchaseIDs(ctx context.Context, rootID *int64) ([]int64, error) {
	ps, err := s.PurchasesFor(ctx, nil)
	if err != nil {
		return nil, err
	}
	if rootID != nil {
		own, err := s.PurchasesFor(ctx, rootID)
		if err != nil {
			return nil, err
		}
		ps = append(ps, own...)
	}
	today := Today()
	var ids []int64
	for _, p := range ps {
		if p.ActiveOn(today) {
			ids = append(ids, p.ID)
		}
	}
	return ids, nil
}

// countSeatUsers counts the active users with a seat of purchases, among
// members when given (a subquery of user ids).
func (s *Store) countSeatUsers(ctx context.Context, purchases []int64, members *gorm.DB) (int64, error) {
	if len(purchases) == 0 {
		return 0, nil
	}
	q := s.q(ctx).Table("seat_assignments sa").Joins("JOIN users u ON u.id = sa.user_id").
		Where("sa.add_on_purchase_id IN ? AND u.state = ?", purchases, StateActive)
	if members != nil {
		q = q.Where("sa.user_id IN (?)", members)
	}
	var n int64
	return n, q.Distinct("sa.user_id").Count(&n).Error
}
