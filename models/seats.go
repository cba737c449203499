package models

import (
	"context"
	"encoding/json"
	"time"
)

// GitLab's error codes for seat assignment.
const (
	NoSeatsAvailable      = "NO_SEATS_AVAILABLE"
	InvalidUserMembership = "INVALID_USER_MEMBERSHIP"
	InvalidUserIDPresent  = "INVALID_USER_ID_PRESENT"
	NotEnoughSeats        = "NOT_ENOUGH_SEATS"
	NoAssignmentsFound    = "NO_ASSIGNMENTS_FOUND"
)

// SeatError carries one of the codes above.
type SeatError struct{ Code string }

func (e *SeatError) Error() string { return e.Code }

func seatErr(code string) error { return &SeatError{Code: code} }

// SeatChange reports what an assignment or removal did.
type SeatChange struct {
	// Changed are the users whose seat was assigned or removed now.
	Changed []int64
	// Unchanged already had (or lacked) the seat: success, nothing written.
	Unchanged []int64
	Assigned  int64 // seats assigned after the change
}

// lockPurchase re-reads the purchase under a row lock, so concurrent
// assignments for the last seat are decided one at a time.
func (s *Store) lockPurchase(ctx context.Context, id int64) (*AddOnPurchase, int64, error) {
	p, err := first[AddOnPurchase](s.forUpdate(ctx).Where("id = ?", id))
	if err != nil {
		return nil, 0, err
	}
	n, err := s.AssignedCount(ctx, p.ID)
	return p, n, err
}

// assignedAmong returns which of ids already hold a seat of the purchase.
func (s *Store) assignedAmong(ctx context.Context, purchaseID int64, ids []int64) (map[int64]bool, error) {
	var have []int64
	err := s.whereIDIn(s.q(ctx).Model(&SeatAssignment{}).Where("add_on_purchase_id = ?", purchaseID), "user_id", ids).
		Pluck("user_id", &have).Error
	out := make(map[int64]bool, len(have))
	for _, id := range have {
		out[id] = true
	}
	return out, err
}

// AssignSeat gives one user a seat: already assigned is success with no
// change; then a free seat is needed (NO_SEATS_AVAILABLE), then the user
// must be eligible (INVALID_USER_MEMBERSHIP).
func (s *Store) AssignSeat(ctx context.Context, actor Actor, purchaseID, userID int64) (SeatChange, error) {
	return s.assign(ctx, actor, purchaseID, []int64{userID}, true)
}

// BulkAssignSeats is all or nothing: any unknown or ineligible user is
// INVALID_USER_ID_PRESENT; fewer free seats than new users NOT_ENOUGH_SEATS.
func (s *Store) BulkAssignSeats(ctx context.Context, actor Actor, purchaseID int64, userIDs []int64) (SeatChange, error) {
	return s.assign(ctx, actor, purchaseID, userIDs, false)
}

func (s *Store) assign(ctx context.Context, actor Actor, purchaseID int64, userIDs []int64, single bool) (SeatChange, error) {
	ids := uniqueIDs(userIDs)
	var out SeatChange
	err := s.Tx(ctx, func(tx *Store) error {
		p, assigned, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		have, err := tx.assignedAmong(ctx, p.ID, ids)
		if err != nil {
			return err
		}
		var fresh []int64
		for _, id := range ids {
			if have[id] {
				out.Unchanged = append(out.Unchanged, id)
			} else {
				fresh = append(fresh, id)
			}
		}
		out.Assigned = assigned
		if len(fresh) == 0 {
			return nil
		}
		free := int64(p.Quantity) - assigned
		if single {
			if free <= 0 {
				return seatErr(NoSeatsAvailable)
			}
			if ok, err := tx.IsEligible(ctx, p, fresh[0]); err != nil {
				return err
			} else if !ok {
				return seatErr(InvalidUserMembership)
			}
		} else {
			n, err := tx.countEligibleAmong(ctx, p, fresh)
			if err != nil {
				return err
			}
			if n != int64(len(fresh)) {
				return seatErr(InvalidUserIDPresent)
			}
			if free < int64(len(fresh)) {
				return seatErr(NotEnoughSeats)
			}
		}
		if err := tx.insertAssignments(ctx, actor, p, fresh); err != nil {
			return err
		}
		out.Changed = fresh
		out.Assigned = assigned + int64(len(fresh))
		return nil
	})
	if err != nil {
		return SeatChange{}, err
	}
	return out, nil
}

// insertAssignments writes the seats, one audit event each and the welcome
// mail, as three set-based statements.
func (s *Store) insertAssignments(ctx context.Context, actor Actor, p *AddOnPurchase, ids []int64) error {
	now := time.Now().UTC()
	sub, arg := s.idSet(ids)
	if err := s.q(ctx).Exec(`INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at)
		SELECT ?, ids.id, ?, ? FROM (`+sub+`) AS ids`, p.ID, now, now, arg).Error; err != nil {
		return err
	}
	details, _ := json.Marshal(map[string]any{"add_on_purchase_id": p.ID, "add_on": p.AddOn, "reason": "assigned"})
	if err := s.auditUsers(ctx, actor, "seat_assigned", p.NamespaceID, string(details), ids, now); err != nil {
		return err
	}
	send, err := s.seatEmailsEnabled(ctx, p)
	if err != nil || !send {
		return err
	}
	return s.queueSeatEmails(ctx, p, ids, now)
}

// auditUsers writes one audit event per user in a single statement.
func (s *Store) auditUsers(ctx context.Context, actor Actor, action string, namespaceID *int64, details string, ids []int64, now time.Time) error {
	var actorID *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	sub, arg := s.idSet(ids)
	return s.q(ctx).Exec(`INSERT INTO audit_events (actor_id, actor_name, action, target_type, target_id, target_name, namespace_id, details, created_at)
		SELECT ?, ?, ?, 'User', u.id, u.username, ?, ?, ? FROM users u WHERE u.id IN (`+sub+`)`,
		actorID, actor.Username, action, namespaceID, details, now, arg).Error
}

// UnassignSeat removes one user's seat; without one it is success, no change.
func (s *Store) UnassignSeat(ctx context.Context, actor Actor, purchaseID, userID int64) (SeatChange, error) {
	return s.unassign(ctx, actor, purchaseID, []int64{userID}, "unassigned", false)
}

// BulkUnassignSeats removes the seats of those who have one;
// NO_ASSIGNMENTS_FOUND when none has.
func (s *Store) BulkUnassignSeats(ctx context.Context, actor Actor, purchaseID int64, userIDs []int64) (SeatChange, error) {
	return s.unassign(ctx, actor, purchaseID, userIDs, "unassigned", true)
}

func (s *Store) unassign(ctx context.Context, actor Actor, purchaseID int64, userIDs []int64, reason string, bulk bool) (SeatChange, error) {
	ids := uniqueIDs(userIDs)
	var out SeatChange
	err := s.Tx(ctx, func(tx *Store) error {
		p, assigned, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		have, err := tx.assignedAmong(ctx, p.ID, ids)
		if err != nil {
			return err
		}
		var gone []int64
		for _, id := range ids {
			if have[id] {
				gone = append(gone, id)
			} else {
				out.Unchanged = append(out.Unchanged, id)
			}
		}
		out.Assigned = assigned
		if len(gone) == 0 {
			if bulk {
				return seatErr(NoAssignmentsFound)
			}
			return nil
		}
		if err := tx.RemoveSeats(ctx, actor, p, gone, map[string]any{"reason": reason}); err != nil {
			return err
		}
		out.Changed = gone
		out.Assigned = assigned - int64(len(gone))
		return nil
	})
	if err != nil {
		return SeatChange{}, err
	}
	return out, nil
}

// RemoveSeats deletes the given users' seats of p with one audit event
// each carrying details (the reason, and for automation the rank). Call
// it inside a transaction; automatic removal uses it too.
func (s *Store) RemoveSeats(ctx context.Context, actor Actor, p *AddOnPurchase, ids []int64, details map[string]any) error {
	now := time.Now().UTC()
	d := map[string]any{"add_on_purchase_id": p.ID, "add_on": p.AddOn}
	for k, v := range details {
		d[k] = v
	}
	b, _ := json.Marshal(d)
	if err := s.auditUsers(ctx, actor, "seat_unassigned", p.NamespaceID, string(b), ids, now); err != nil {
		return err
	}
	return s.whereIDIn(s.q(ctx).Where("add_on_purchase_id = ?", p.ID), "user_id", ids).Delete(&SeatAssignment{}).Error
}

// SeatHolders lists the users holding a seat of a purchase, oldest first.
func (s *Store) SeatHolders(ctx context.Context, purchaseID int64) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Model(&SeatAssignment{}).Where("add_on_purchase_id = ?", purchaseID).Order("created_at, id").Pluck("user_id", &ids).Error
	return ids, err
}
