package models

import (
	"context"

	"gorm.io/gorm"
)

// Source is the group or project a membership belongs to.
type Source struct {
	Type     string // SourceGroup or SourceProject
	ID       int64
	FullPath string
	RootID   int64 // top-level group, for audit scoping
	TopLevel bool  // a top-level group must keep an owner
}

func GroupSource(g *Group) Source {
	return Source{Type: SourceGroup, ID: g.ID, FullPath: g.FullPath, RootID: g.RootID(), TopLevel: g.TopLevel()}
}

func ProjectSource(p *Project, g *Group) Source {
	return Source{Type: SourceProject, ID: p.ID, FullPath: p.FullPath, RootID: g.RootID()}
}

// MemberRow is a membership with its user, for member lists.
type MemberRow struct {
	Member
	User User
}

// ErrLastOwner is shown to people as it is, so it reads as a sentence.
var ErrLastOwner error = Message("A group must have at least one owner")

func (s *Store) Members(ctx context.Context, src Source, page Page) (Paged[MemberRow], error) {
	page = page.normalized()
	out := Paged[MemberRow]{Page: page.Number, PerPage: page.PerPage}
	q := s.q(ctx).Model(&Member{}).Where("source_type = ? AND source_id = ?", src.Type, src.ID)
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	var ms []Member
	if err := q.Order("access_level DESC, id").Offset(page.Offset()).Limit(page.PerPage).Find(&ms).Error; err != nil {
		return out, err
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	var users []User
	if len(ids) > 0 {
		if err := s.q(ctx).Where("id IN ?", ids).Find(&users).Error; err != nil {
			return out, err
		}
	}
	byID := map[int64]User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	for _, m := range ms {
		out.Items = append(out.Items, MemberRow{Member: m, User: byID[m.UserID]})
	}
	return out, nil
}

func (s *Store) MemberByID(ctx context.Context, src Source, id int64) (*Member, error) {
	return first[Member](s.q(ctx).Where("id = ? AND source_type = ? AND source_id = ?", id, src.Type, src.ID))
}

func (s *Store) AddMember(ctx context.Context, actor Actor, src Source, user *User, level AccessLevel) (*Member, error) {
	if !level.Valid() {
		return nil, FieldErrors{"access_level": "is not a role"}
	}
	m := &Member{UserID: user.ID, SourceType: src.Type, SourceID: src.ID, AccessLevel: level}
	queued := false
	err := s.Tx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.q(ctx).Model(&Member{}).Where("source_type = ? AND source_id = ? AND user_id = ?", src.Type, src.ID, user.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return FieldErrors{"user": "is already a member"}
		}
		if err := tx.q(ctx).Create(m).Error; err != nil {
			return err
		}
		if err := tx.Audit(ctx, actor, AuditEntry{Action: "member_added", TargetType: "User", TargetID: user.ID,
			TargetName: user.Username, NamespaceID: &src.RootID,
			Details: map[string]any{"source": src.FullPath, "source_type": src.Type, "access_level": level.Key()}}); err != nil {
			return err
		}
		var err error
		queued, err = tx.enqueueRuleSync(ctx, user.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.ruleSyncAfter(ctx, queued)
	return m, nil
}

func (s *Store) ChangeMemberAccess(ctx context.Context, actor Actor, src Source, memberID int64, level AccessLevel) error {
	if !level.Valid() {
		return FieldErrors{"access_level": "is not a role"}
	}
	queued := false
	err := s.Tx(ctx, func(tx *Store) error {
		m, err := tx.MemberByID(ctx, src, memberID)
		if err != nil {
			return err
		}
		if m.AccessLevel == level {
			return nil
		}
		if m.AccessLevel == Owner && src.TopLevel {
			if err := tx.ensureAnotherOwner(ctx, src, m.ID); err != nil {
				return err
			}
		}
		before := m.AccessLevel
		if err := tx.q(ctx).Model(m).Update("access_level", level).Error; err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, m.UserID)
		if err != nil {
			return err
		}
		if err := tx.Audit(ctx, actor, AuditEntry{Action: "member_access_changed", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, NamespaceID: &src.RootID,
			Details: map[string]any{"source": src.FullPath, "access_level": change(before.Key(), level.Key())}}); err != nil {
			return err
		}
		queued, err = tx.enqueueRuleSync(ctx, u.ID)
		return err
	})
	if err == nil {
		s.ruleSyncAfter(ctx, queued)
	}
	return err
}

func (s *Store) RemoveMember(ctx context.Context, actor Actor, src Source, memberID int64) error {
	queued := false
	err := s.Tx(ctx, func(tx *Store) error {
		m, err := tx.MemberByID(ctx, src, memberID)
		if err != nil {
			return err
		}
		if m.AccessLevel == Owner && src.TopLevel {
			if err := tx.ensureAnotherOwner(ctx, src, m.ID); err != nil {
				return err
			}
		}
		if err := tx.q(ctx).Delete(m).Error; err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, m.UserID)
		if err != nil {
			return err
		}
		if err := tx.Audit(ctx, actor, AuditEntry{Action: "member_removed", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, NamespaceID: &src.RootID,
			Details: map[string]any{"source": src.FullPath, "source_type": src.Type, "access_level": m.AccessLevel.Key()}}); err != nil {
			return err
		}
		// On GitLab.com, leaving the hierarchy loses its seats, in the
		// same transaction.
		if err := tx.removeSeatsAfterMembershipRemoval(ctx, m, src); err != nil {
			return err
		}
		queued, err = tx.enqueueRuleSync(ctx, u.ID)
		return err
	})
	if err == nil {
		s.ruleSyncAfter(ctx, queued)
	}
	return err
}

func (s *Store) ensureAnotherOwner(ctx context.Context, src Source, exceptMemberID int64) error {
	var n int64
	err := s.q(ctx).Model(&Member{}).Where("source_type = ? AND source_id = ? AND access_level = ? AND NOT pending AND id <> ?",
		src.Type, src.ID, Owner, exceptMemberID).Count(&n).Error
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastOwner
	}
	return nil
}

// OwnsGroup: an owner of g or of any ancestor owns g, as in GitLab.
func (s *Store) OwnsGroup(ctx context.Context, userID int64, g *Group) (bool, error) {
	ids := append(g.AncestorIDs(), g.ID)
	var n int64
	err := s.q(ctx).Model(&Member{}).Where("user_id = ? AND source_type = ? AND source_id IN ? AND access_level = ? AND NOT pending",
		userID, SourceGroup, ids, Owner).Limit(1).Count(&n).Error
	return n > 0, err
}

// OwnsProject: owners of the project or of its group chain.
func (s *Store) OwnsProject(ctx context.Context, userID int64, p *Project, g *Group) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Member{}).Where("user_id = ? AND access_level = ? AND NOT pending AND ((source_type = ? AND source_id = ?) OR (source_type = ? AND source_id IN ?))",
		userID, Owner, SourceProject, p.ID, SourceGroup, append(g.AncestorIDs(), g.ID)).Limit(1).Count(&n).Error
	return n > 0, err
}

// OwnedGroups lists the groups where the user is a direct owner.
func (s *Store) OwnedGroups(ctx context.Context, userID int64) ([]Group, error) {
	var gs []Group
	err := s.q(ctx).Where("id IN (?)", s.ownedGroupIDs(ctx, userID)).Order("lower(full_path)").Find(&gs).Error
	return gs, err
}

// ownedGroupIDs is the subquery of the groups userID is a direct Owner of.
func (s *Store) ownedGroupIDs(ctx context.Context, userID int64) *gorm.DB {
	return s.q(ctx).Model(&Member{}).Select("source_id").
		Where("user_id = ? AND source_type = ? AND access_level = ? AND NOT pending", userID, SourceGroup, Owner)
}

func (s *Store) CreateGroupLink(ctx context.Context, actor Actor, shared, with *Group, level AccessLevel) error {
	return s.Tx(ctx, func(tx *Store) error {
		l := &GroupGroupLink{SharedGroupID: shared.ID, SharedWithGroupID: with.ID, GroupAccess: level}
		if err := tx.q(ctx).Create(l).Error; err != nil {
			if IsUniqueViolation(err) {
				return FieldErrors{"group": "is already invited"}
			}
			return err
		}
		root := shared.RootID()
		return tx.Audit(ctx, actor, AuditEntry{Action: "group_shared", TargetType: "Group", TargetID: shared.ID,
			TargetName: shared.FullPath, NamespaceID: &root, Details: map[string]any{"with_group": with.FullPath, "access_level": level.Key()}})
	})
}

func (s *Store) CreateProjectGroupLink(ctx context.Context, actor Actor, p *Project, pg *Group, with *Group, level AccessLevel) error {
	return s.Tx(ctx, func(tx *Store) error {
		l := &ProjectGroupLink{ProjectID: p.ID, GroupID: with.ID, GroupAccess: level}
		if err := tx.q(ctx).Create(l).Error; err != nil {
			if IsUniqueViolation(err) {
				return FieldErrors{"group": "is already invited"}
			}
			return err
		}
		root := pg.RootID()
		return tx.Audit(ctx, actor, AuditEntry{Action: "project_shared", TargetType: "Project", TargetID: p.ID,
			TargetName: p.FullPath, NamespaceID: &root, Details: map[string]any{"with_group": with.FullPath, "access_level": level.Key()}})
	})
}

// InvitedGroups lists the groups a group has been shared with.
func (s *Store) InvitedGroups(ctx context.Context, sharedGroupID int64) ([]Group, error) {
	var gs []Group
	err := s.q(ctx).Where("id IN (?)", s.q(ctx).Model(&GroupGroupLink{}).Select("shared_with_group_id").Where("shared_group_id = ?", sharedGroupID)).
		Order("lower(full_path)").Find(&gs).Error
	return gs, err
}
