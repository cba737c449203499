package models

import (
	"context"
	"errors"
	"slices"
	"time"
)

// The writes and reads an organisation import (models/orgfile) makes, one
// method per section. orgfile parses, validates and plans; these keep the
// domain writes here, in the caller's transaction (Store.Tx): the session
// and seat consequences of a user's change, a group's traversal path, a
// purchase's refresh, a seat's audit event and ledger row.

// ErrDatabaseNotEmpty: the demo only loads into a database without users.
var ErrDatabaseNotEmpty = errors.New("the database already has users")

// importChunk keeps IN lists and multi-row inserts well under the bind
// parameter limits of both databases.
const importChunk = 500

// LockForImport makes imports run one at a time; with intoEmpty it
// refuses (ErrDatabaseNotEmpty) a database that has users. SQLite
// transactions already take the write lock when they begin
// (_txlock=immediate).
func (s *Store) LockForImport(ctx context.Context, intoEmpty bool) error {
	if s.dialect == Postgres {
		var id int64
		if err := s.q(ctx).Raw("SELECT id FROM instance_settings WHERE id = 1 FOR UPDATE").Scan(&id).Error; err != nil {
			return err
		}
	}
	if !intoEmpty {
		return nil
	}
	var n int64
	if err := s.q(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return ErrDatabaseNotEmpty
	}
	return nil
}

// findInLower loads the rows whose lower(column) is one of keys.
func findInLower[T any](ctx context.Context, s *Store, column string, keys []string) ([]T, error) {
	list := slices.Sorted(slices.Values(keys))
	var out []T
	for chunk := range slices.Chunk(list, importChunk) {
		var part []T
		if err := s.q(ctx).Where("lower("+column+") IN ?", chunk).Find(&part).Error; err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

// findInIDs loads the rows whose column is one of ids.
func findInIDs[T any](ctx context.Context, s *Store, where string, ids []int64) ([]T, error) {
	var out []T
	for chunk := range slices.Chunk(ids, importChunk) {
		var part []T
		if err := s.q(ctx).Where(where, chunk).Find(&part).Error; err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

// UsersByLowerUsername loads the users whose lower-cased username is one of keys.
func (s *Store) UsersByLowerUsername(ctx context.Context, keys []string) ([]User, error) {
	return findInLower[User](ctx, s, "username", keys)
}

// UsersByLowerEmail loads the users whose lower-cased email is one of keys.
func (s *Store) UsersByLowerEmail(ctx context.Context, keys []string) ([]User, error) {
	return findInLower[User](ctx, s, "email", keys)
}

// GroupsByLowerPath loads the groups whose lower-cased full path is one of keys.
func (s *Store) GroupsByLowerPath(ctx context.Context, keys []string) ([]Group, error) {
	return findInLower[Group](ctx, s, "full_path", keys)
}

// ProjectsByLowerPath loads the projects whose lower-cased full path is one of keys.
func (s *Store) ProjectsByLowerPath(ctx context.Context, keys []string) ([]Project, error) {
	return findInLower[Project](ctx, s, "full_path", keys)
}

// GroupsByIDs loads the groups with these ids.
func (s *Store) GroupsByIDs(ctx context.Context, ids []int64) ([]Group, error) {
	return findInIDs[Group](ctx, s, "id IN ?", ids)
}

// MembersOfSources loads the memberships of the groups or projects
// (sourceType) with these ids.
func (s *Store) MembersOfSources(ctx context.Context, sourceType string, ids []int64) ([]Member, error) {
	if sourceType != SourceGroup && sourceType != SourceProject {
		return nil, errors.New("members: unknown source type " + sourceType)
	}
	return findInIDs[Member](ctx, s, "source_type = '"+sourceType+"' AND source_id IN ?", ids)
}

// GroupLinksOfSharedGroups loads the links that share these groups.
func (s *Store) GroupLinksOfSharedGroups(ctx context.Context, ids []int64) ([]GroupGroupLink, error) {
	return findInIDs[GroupGroupLink](ctx, s, "shared_group_id IN ?", ids)
}

// GroupLinksOfProjects loads the links that share these projects.
func (s *Store) GroupLinksOfProjects(ctx context.Context, ids []int64) ([]ProjectGroupLink, error) {
	return findInIDs[ProjectGroupLink](ctx, s, "project_id IN ?", ids)
}

// AllSubscriptions loads every subscription, by name.
func (s *Store) AllSubscriptions(ctx context.Context) ([]Subscription, error) {
	var subs []Subscription
	return subs, s.q(ctx).Order("name").Find(&subs).Error
}

// AllPurchases loads every add-on purchase, by id.
func (s *Store) AllPurchases(ctx context.Context) ([]AddOnPurchase, error) {
	var ps []AddOnPurchase
	return ps, s.q(ctx).Order("id").Find(&ps).Error
}

// updateCols writes the named columns of row (a model).
func (s *Store) updateCols(ctx context.Context, row any, cols []string) error {
	return s.q(ctx).Model(row).Select(cols).Updates(row).Error
}

// saveChanged writes the changed columns of row (a model) with updated_at
// stamped now; with none changed it writes nothing and tells so.
func (s *Store) saveChanged(ctx context.Context, row any, updatedAt *time.Time, now time.Time, cols []string) (bool, error) {
	if len(cols) == 0 {
		return false, nil
	}
	*updatedAt = now
	if err := s.q(ctx).Model(row).Select(append(cols, "updated_at")).Updates(row).Error; err != nil {
		return false, err
	}
	return true, nil
}

// SaveImportedInstance writes the named columns of the instance settings.
func (s *Store) SaveImportedInstance(ctx context.Context, st *InstanceSettings, cols []string) error {
	return s.updateCols(ctx, st, cols)
}
