package models

import (
	"context"

	"duoadmin/models/access"
)

// MemberOfResource reports whether the user has an accepted membership of
// the group or project, or of one of its ancestor groups: who may ask
// about it through the access API. A resource that does not exist gives
// false, so callers answer both with the same 404. Memberships through an
// invited group do not count. One statement, the one AccessFactsAsMember
// folds into the facts it loads.
func (s *Store) MemberOfResource(ctx context.Context, userID int64, ref ResourceRef) (bool, error) {
	if ref.Kind != access.ResourceGroup && ref.Kind != access.ResourceProject {
		return true, nil
	}
	r, err := s.loadResourceChain(ctx, ref, userID)
	return r.found && r.member, err
}
