package models

import "context"

// GitLab's rake tasks (duoadmin seats bulk-assign / bulk-remove) go through
// a file's users in order, each succeeding or failing on its own, and stop
// at the first user for whom no seat is left. Here that is decided in one
// transaction, so the whole file is one action: one ledger row per seat
// changed and one audit event with the count.

// SeatOutcome is what happened to one user of the file: Code is "" for
// success (a seat assigned or removed, or already so), else GitLab's code.
type SeatOutcome struct {
	UserID int64
	Code   string
}

// AssignSeatsInOrder assigns seats to the users in order: a user already
// holding one succeeds unchanged; with no seat left the user gets
// NO_SEATS_AVAILABLE and the rest are not tried (not in the result); an
// ineligible user gets INVALID_USER_MEMBERSHIP and the next is tried.
func (s *Store) AssignSeatsInOrder(ctx context.Context, actor Actor, purchaseID int64, userIDs []int64) ([]SeatOutcome, error) {
	var out []SeatOutcome
	err := s.Tx(ctx, func(tx *Store) error {
		out = nil
		p, assigned, err := tx.lockPurchase(ctx, purchaseID)
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
		free := int64(p.Quantity) - assigned
		var fresh []int64
		for _, c := range cands {
			switch {
			case c.HasSeat:
				out = append(out, SeatOutcome{UserID: c.ID})
			case free <= 0:
				out = append(out, SeatOutcome{UserID: c.ID, Code: NoSeatsAvailable})
			case !c.Eligible:
				out = append(out, SeatOutcome{UserID: c.ID, Code: InvalidUserMembership})
			default:
				out = append(out, SeatOutcome{UserID: c.ID})
				fresh = append(fresh, c.ID)
				free--
			}
			if out[len(out)-1].Code == NoSeatsAvailable {
				break
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		return tx.insertAssignments(ctx, actor, p, fresh, false)
	})
	return out, err
}

// UnassignSeatsInOrder removes the seats of those users who hold one; a
// user without one succeeds unchanged.
func (s *Store) UnassignSeatsInOrder(ctx context.Context, actor Actor, purchaseID int64, userIDs []int64) ([]SeatOutcome, error) {
	var out []SeatOutcome
	err := s.Tx(ctx, func(tx *Store) error {
		out = nil
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		cands, err := tx.seatCandidates(ctx, p, SeatUsers{IDs: userIDs}, false)
		if err != nil {
			return err
		}
		var gone []int64
		for _, c := range cands {
			out = append(out, SeatOutcome{UserID: c.ID})
			if c.HasSeat {
				gone = append(gone, c.ID)
			}
		}
		if len(gone) == 0 {
			return nil
		}
		return tx.RemoveSeats(ctx, actor, p, gone, true)
	})
	return out, err
}
