package models

import "context"

// Automatic removal runs inside the transaction of the change that causes
// it, so a blocked user never keeps a seat for a moment longer.
func init() {
	PurchaseChangedHooks = append(PurchaseChangedHooks, refreshOnPurchaseChange)
	RefreshHooks = append(RefreshHooks, refreshOnPurchaseChange)
	StateChangeHooks = append(StateChangeHooks, removeSeatsOfInactiveUser)
	MembershipRemovedHooks = append(MembershipRemovedHooks, removeSeatsAfterMembershipRemoval)
}

func refreshOnPurchaseChange(ctx context.Context, tx *Store, _ Actor, p *AddOnPurchase) error {
	_, err := tx.refreshInTx(ctx, p)
	return err
}

var stateReasons = map[UserState]string{
	StateBlocked: ReasonUserBlocked, StateBanned: ReasonUserBanned, StateDeactivated: ReasonUserDeactivated,
}

func removeSeatsOfInactiveUser(ctx context.Context, tx *Store, _ Actor, u *User, _ UserState) error {
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
func removeSeatsAfterMembershipRemoval(ctx context.Context, tx *Store, _ Actor, m *Member, src Source) error {
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
