package models

import (
	"context"
	"slices"
)

// UserUpdate is an imported change of an existing user: the columns
// written and the state the user had before.
type UserUpdate struct {
	User *User
	Cols []string
	From UserState
}

// ImportUsers writes the updates, then creates the new users (their ids
// are set in created). Updates go first: an address a user gives up may be
// a new user's. As in UpdateUser and ChangeUserState, a new password or a
// state other than active signs the user out everywhere, and a change of
// state takes the seats of a user no longer active.
func (s *Store) ImportUsers(ctx context.Context, updates []UserUpdate, created []User) error {
	for _, up := range updates {
		if err := s.updateCols(ctx, up.User, up.Cols); err != nil {
			return err
		}
		if slices.Contains(up.Cols, "password_hash") || up.User.State != StateActive && up.From != up.User.State {
			if _, err := s.endUserSessions(ctx, up.User.ID); err != nil {
				return err
			}
		}
		if up.From != up.User.State {
			if err := s.removeSeatsOfInactiveUser(ctx, up.User); err != nil {
				return err
			}
		}
	}
	if len(created) == 0 {
		return nil
	}
	return s.q(ctx).CreateInBatches(&created, importChunk/10).Error
}

// UpdateImportedGroup writes the named columns of g.
func (s *Store) UpdateImportedGroup(ctx context.Context, g *Group, cols []string) error {
	return s.updateCols(ctx, g, cols)
}

// CreateImportedGroup inserts g below parent (nil: top level) and sets its
// traversal path, which needs its id.
func (s *Store) CreateImportedGroup(ctx context.Context, g *Group, parent *Group) error {
	if err := s.q(ctx).Create(g).Error; err != nil {
		return err
	}
	g.TraversalPath = traversalPathOf(parent, g.ID)
	return s.q(ctx).Model(g).Update("traversal_path", g.TraversalPath).Error
}

// UpdateImportedProject writes the named columns of p.
func (s *Store) UpdateImportedProject(ctx context.Context, p *Project, cols []string) error {
	return s.updateCols(ctx, p, cols)
}

// CreateImportedProjects inserts the projects (their ids are set in
// created), each with GitLab Duo on or off as enabled says.
func (s *Store) CreateImportedProjects(ctx context.Context, created []Project, enabled []bool) error {
	if len(created) == 0 {
		return nil
	}
	if err := s.q(ctx).CreateInBatches(&created, importChunk/10).Error; err != nil {
		return err
	}
	var switchedOff []int64
	for i := range created {
		created[i].DuoFeaturesEnabled = enabled[i]
		if !enabled[i] {
			switchedOff = append(switchedOff, created[i].ID)
		}
	}
	// The column defaults to on; gorm cannot insert an explicit false for it.
	for chunk := range slices.Chunk(switchedOff, importChunk) {
		if err := s.q(ctx).Model(&Project{}).Where("id IN ?", chunk).Update("duo_features_enabled", false).Error; err != nil {
			return err
		}
	}
	return nil
}

// UpdateImportedMember writes the named columns of m.
func (s *Store) UpdateImportedMember(ctx context.Context, m *Member, cols []string) error {
	return s.updateCols(ctx, m, cols)
}

// CreateImportedMembers inserts the memberships.
func (s *Store) CreateImportedMembers(ctx context.Context, created []Member) error {
	if len(created) == 0 {
		return nil
	}
	return s.q(ctx).CreateInBatches(&created, importChunk/5).Error
}

// ActiveOwnerCount counts the owners of a group who are not pending.
func (s *Store) ActiveOwnerCount(ctx context.Context, groupID int64) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&Member{}).Where("source_type = ? AND source_id = ? AND access_level = ? AND NOT pending",
		SourceGroup, groupID, Owner).Count(&n).Error
	return n, err
}

// SetImportedGroupLinkAccess changes the access a group link gives.
func (s *Store) SetImportedGroupLinkAccess(ctx context.Context, l *GroupGroupLink, level AccessLevel) error {
	l.GroupAccess = level
	return s.q(ctx).Model(l).Update("group_access", level).Error
}

// SetImportedProjectLinkAccess changes the access a project link gives.
func (s *Store) SetImportedProjectLinkAccess(ctx context.Context, l *ProjectGroupLink, level AccessLevel) error {
	l.GroupAccess = level
	return s.q(ctx).Model(l).Update("group_access", level).Error
}

// CreateImportedGroupLinks inserts the links.
func (s *Store) CreateImportedGroupLinks(ctx context.Context, groups []GroupGroupLink, projects []ProjectGroupLink) error {
	if len(groups) > 0 {
		if err := s.q(ctx).CreateInBatches(&groups, importChunk/5).Error; err != nil {
			return err
		}
	}
	if len(projects) > 0 {
		return s.q(ctx).CreateInBatches(&projects, importChunk/5).Error
	}
	return nil
}
