package models

import "context"

// Automatic seat removal that runs inside the transaction of the change
// causing it (a state change, a membership removal), called directly from
// those changes, so a blocked user never keeps a seat for a moment longer.

var stateReasons = map[UserState]string{
	StateBlocked: ReasonUserBlocked, StateBanned: ReasonUserBanned, StateDeactivated: ReasonUserDeactivated,
}

// removeSeatsOfInactiveUser: a blocked, banned or deactivated user loses
// every seat, each with the reason of the state.
func (tx *Store) removeSeatsOfInactiveUser(ctx context.Context, u *User) error {
	reason, ok := stateReasons[u.State]
	if !ok {
		return nil
	}
	ps, err := tx.purchasesHeldBy(ctx, u.ID, nil)
	if err != nil {
		return err
	}
	for i := range ps {
		r := Removal{UserID: u.ID, Username: u.Username, Name: u.Name, Email: u.Email, Reason: reason}
		if err := tx.applyRemovals(ctx, &ps[i], []Removal{r}); err != nil {
			return err
		}
	}
	return nil
}

// removeSeatsAfterMembershipRemoval: on GitLab.com a user removed from the
// hierarchy loses its seats, unless still eligible (a guest somewhere counts).
func (tx *Store) removeSeatsAfterMembershipRemoval(ctx context.Context, m *Member, src Source) error {
	root := src.RootID
	ps, err := tx.purchasesHeldBy(ctx, m.UserID, &root)
	if err != nil || len(ps) == 0 {
		return err
	}
	u, err := tx.UserByID(ctx, m.UserID)
	if err != nil {
		return err
	}
	for i := range ps {
		ok, err := tx.IsEligible(ctx, &ps[i], u.ID)
		if err != nil || ok {
			if err != nil {
				return err
			}
			continue
		}
		r := Removal{UserID: u.ID, Username: u.Username, Name: u.Name, Email: u.Email, Reason: ReasonMembershipRemoved}
		if err := tx.applyRemovals(ctx, &ps[i], []Removal{r}); err != nil {
			return err
		}
	}
	return nil
}

// purchasesHeldBy lists the purchases the user has a seat of (optionally of
// one namespace only).
func (s *Store) purchasesHeldBy(ctx context.Context, userID int64, namespaceID *int64) ([]AddOnPurchase, error) {
	var ps []AddOnPurchase
	q := s.q(ctx).Where("id IN (?)", s.q(ctx).Model(&SeatAssignment{}).Select("add_on_purchase_id").Where("user_id = ?", userID))
	if namespaceID != nil {
		q = q.Where("namespace_id = ?", *namespaceID)
	}
	err := q.Order("id").Find(&ps).Error
	return ps, err
}
