package models

import (
	"context"
	"slices"
)

// What GitLab's GraphQL API needs of the seats beyond the screens: offset
// windows of the seat table (its cursors are offsets), the assignments of
// a page of users at once, and GitLab's current bulk assignment, which
// skips ineligible users instead of refusing them all.

// SeatTableSlice is limit rows of the filtered seat table from offset, in
// the filter's order, and the number of rows in all.
func (s *Store) SeatTableSlice(ctx context.Context, p *AddOnPurchase, f SeatFilter, offset, limit int) ([]SeatRow, int64, error) {
	sc, err := s.seatScopeOf(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := s.seatQuery(ctx, p, sc, f).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		return nil, total, nil
	}
	rows, err := s.seatRows(ctx, p, sc, f, offset, limit, total)
	return rows, total, err
}

// ActiveSeatsAmong maps each of userIDs to the purchases among purchaseIDs
// that are active today and of which the user holds a seat: one query for
// a page of users.
func (s *Store) ActiveSeatsAmong(ctx context.Context, userIDs, purchaseIDs []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(userIDs) == 0 || len(purchaseIDs) == 0 {
		return out, nil
	}
	type row struct {
		UserID          int64
		AddOnPurchaseID int64
	}
	var rows []row
	q := s.q(ctx).Table("seat_assignments AS sa").Joins("JOIN add_on_purchases p ON p.id = sa.add_on_purchase_id").
		Select("sa.user_id, sa.add_on_purchase_id").Where("sa.user_id IN ? AND sa.add_on_purchase_id IN ?", userIDs, purchaseIDs)
	if err := q.Order("sa.add_on_purchase_id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	active, err := s.activePurchaseIDs(ctx, purchaseIDs)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if slices.Contains(active, r.AddOnPurchaseID) {
			out[r.UserID] = append(out[r.UserID], r.AddOnPurchaseID)
		}
	}
	return out, nil
}

func (s *Store) activePurchaseIDs(ctx context.Context, ids []int64) ([]int64, error) {
	var ps []AddOnPurchase
	if err := s.q(ctx).Where("id IN ?", ids).Find(&ps).Error; err != nil {
		return nil, err
	}
	today := Today()
	var out []int64
	for _, p := range ps {
		if p.ActiveOn(today) {
			out = append(out, p.ID)
		}
	}
	return out, nil
}

// BulkAssignEligibleSeats is GitLab's userAddOnAssignmentBulkCreate as of
// 19.x: requested users who are unknown or not eligible are skipped, and
// INVALID_USER_ID_PRESENT is the answer only when none is eligible; fewer
// free seats than eligible users without one is NOT_ENOUGH_SEATS for the
// whole call. It returns the eligible requested users, in request order.
// (The screens, the REST API and the CLI keep their all-or-nothing rule.)
func (s *Store) BulkAssignEligibleSeats(ctx context.Context, actor Actor, purchaseID int64, userIDs []int64) ([]SeatUser, SeatChange, error) {
	var users []SeatUser
	var out SeatChange
	err := s.Tx(ctx, func(tx *Store) error {
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		if !p.ActiveOn(Today()) {
			return seatErr(PurchaseNotActive)
		}
		cands, err := tx.seatCandidates(ctx, p, SeatUsers{IDs: userIDs}, true)
		if err != nil {
			return err
		}
		var eligible []int64
		for _, c := range cands {
			if c.Known && c.Eligible {
				eligible = append(eligible, c.ID)
			}
		}
		if len(eligible) == 0 {
			return seatErr(InvalidUserIDPresent)
		}
		// The purchase stays locked: assign's own transaction is a
		// savepoint inside this one.
		users, out, err = tx.assign(ctx, actor, purchaseID, SeatUsers{IDs: eligible}, false, false)
		return err
	})
	if err != nil {
		return nil, SeatChange{}, err
	}
	return users, out, nil
}

// UsersByIDs finds the users with the given ids, in the order asked,
// skipping ids that match nobody.
func (s *Store) UsersByIDs(ctx context.Context, ids []int64) ([]User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var found []User
	if err := s.whereIDIn(s.q(ctx).Model(&User{}), "id", ids).Find(&found).Error; err != nil {
		return nil, err
	}
	by := make(map[int64]User, len(found))
	for _, u := range found {
		by[u.ID] = u
	}
	out := make([]User, 0, len(found))
	for _, id := range ids {
		if u, ok := by[id]; ok {
			out = append(out, u)
			delete(by, id)
		}
	}
	return out, nil
}
