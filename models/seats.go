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
	// PurchaseNotActive is not one of GitLab's codes (GitLab answers
	// "resource not available"): an expired or not yet started purchase
	// grants nothing, so no seat of it is assigned. Removing stays possible.
	PurchaseNotActive = "PURCHASE_NOT_ACTIVE"
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

// AssignSeat gives one user a seat: already assigned is success with no
// change; then a free seat is needed (NO_SEATS_AVAILABLE), then the user
// must be eligible (INVALID_USER_MEMBERSHIP).
func (s *Store) AssignSeat(ctx context.Context, actor Actor, purchaseID, userID int64) (SeatChange, error) {
	_, out, err := s.assign(ctx, actor, purchaseID, SeatUsers{IDs: []int64{userID}}, true, false)
	return out, err
}

// BulkAssignSeats is all or nothing: any unknown or ineligible user is
// INVALID_USER_ID_PRESENT; fewer free seats than new users NOT_ENOUGH_SEATS.
func (s *Store) BulkAssignSeats(ctx context.Context, actor Actor, purchaseID int64, userIDs []int64) (SeatChange, error) {
	_, out, err := s.assign(ctx, actor, purchaseID, SeatUsers{IDs: userIDs}, false, false)
	return out, err
}

// BulkAssignSeatsTo is BulkAssignSeats for the API: a name or id that
// matches nobody is INVALID_USER_ID_PRESENT even when everyone else
// already has a seat. It returns the users found, in request order.
func (s *Store) BulkAssignSeatsTo(ctx context.Context, actor Actor, purchaseID int64, who SeatUsers) ([]SeatUser, SeatChange, error) {
	return s.assign(ctx, actor, purchaseID, who, false, true)
}

// assign: strict refuses unknown users first; otherwise an unknown id is a
// new user who is not eligible.
func (s *Store) assign(ctx context.Context, actor Actor, purchaseID int64, who SeatUsers, single, strict bool) ([]SeatUser, SeatChange, error) {
	return s.changeSeats(ctx, purchaseID, who, true, strict, func(tx *Store, p *AddOnPurchase, assigned int64, cands []seatCandidate) (SeatChange, error) {
		out := SeatChange{Assigned: assigned}
		var fresh []int64
		allEligible := true
		for _, c := range cands {
			if c.HasSeat {
				out.Unchanged = append(out.Unchanged, c.ID)
				continue
			}
			fresh = append(fresh, c.ID)
			allEligible = allEligible && c.Eligible
		}
		if len(fresh) == 0 {
			return out, nil
		}
		free := int64(p.Quantity) - assigned
		if single {
			if free <= 0 {
				return out, seatErr(NoSeatsAvailable)
			}
			if !allEligible {
				return out, seatErr(InvalidUserMembership)
			}
		} else {
			if !allEligible {
				return out, seatErr(InvalidUserIDPresent)
			}
			if free < int64(len(fresh)) {
				return out, seatErr(NotEnoughSeats)
			}
		}
		if err := tx.insertAssignments(ctx, actor, p, fresh, single); err != nil {
			return out, err
		}
		out.Changed = fresh
		out.Assigned = assigned + int64(len(fresh))
		return out, nil
	})
}

// changeSeats is the frame of every seat change by name or id, in one
// transaction: lock the purchase (an assignment needs it active), resolve
// the users (strict: one that matches nobody is INVALID_USER_ID_PRESENT),
// then let change decide and write.
func (s *Store) changeSeats(ctx context.Context, purchaseID int64, who SeatUsers, assign, strict bool,
	change func(tx *Store, p *AddOnPurchase, assigned int64, cands []seatCandidate) (SeatChange, error)) ([]SeatUser, SeatChange, error) {
	var out SeatChange
	var users []SeatUser
	err := s.Tx(ctx, func(tx *Store) error {
		p, assigned, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		if assign && !p.ActiveOn(Today()) {
			return seatErr(PurchaseNotActive)
		}
		cands, err := tx.seatCandidates(ctx, p, who, assign)
		if err != nil {
			return err
		}
		if strict && unknownAmong(cands) > 0 {
			return seatErr(InvalidUserIDPresent)
		}
		users = seatUsersOf(cands)
		out, err = change(tx, p, assigned, cands)
		return err
	})
	if err != nil {
		return nil, SeatChange{}, err
	}
	return users, out, nil
}

// insertAssignments writes the seats, one ledger row each, the audit (one
// event per user for a single toggle, one for the whole action otherwise)
// and the welcome mail, set-based. On Postgres the ledger rows (and a
// toggle's audit event) are made from the rows the INSERT returns, in the
// same statement.
func (s *Store) insertAssignments(ctx context.Context, actor Actor, p *AddOnPurchase, ids []int64, single bool) error {
	now := time.Now().UTC()
	err := s.withSeatHooks(ctx, p.ID, func() error {
		sub, arg := s.idSet(ids)
		details, _ := json.Marshal(map[string]any{"add_on_purchase_id": p.ID, "add_on": p.AddOn, "reason": "assigned"})
		// A rule's seats carry its id (the rule may later remove them).
		var ruleID *int64
		if actor.RuleID != 0 {
			ruleID = &actor.RuleID
		}
		insert := `INSERT INTO seat_assignments (add_on_purchase_id, user_id, rule_id, created_at, updated_at)
		SELECT ?, ids.id, ?, ?, ? FROM (` + sub + `) AS ids`
		if s.dialect == Postgres {
			args := append([]any{p.ID, ruleID, now, now, arg}, ledgerArgs(p.ID, SeatGained, actor, now)...)
			if !single {
				return s.q(ctx).Exec(`WITH ins AS (`+insert+` RETURNING user_id) `+ledgerSQL("ins"), args...).Error
			}
			return s.q(ctx).Exec(`WITH ins AS (`+insert+` RETURNING user_id), led AS (`+ledgerSQL("ins")+`) `+auditUsersSQL("ins"),
				append(args, auditUsersArgs(actor, "seat_assigned", p.NamespaceID, string(details), now)...)...).Error
		}
		if err := s.q(ctx).Exec(insert, p.ID, ruleID, now, now, arg).Error; err != nil {
			return err
		}
		ledger := ledgerSQL(`(SELECT ids.id AS user_id FROM (` + sub + `) AS ids)`)
		if err := s.q(ctx).Exec(ledger, append(ledgerArgs(p.ID, SeatGained, actor, now), arg)...).Error; err != nil {
			return err
		}
		if single {
			return s.auditUsers(ctx, actor, "seat_assigned", p.NamespaceID, string(details), ids, now)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !single {
		if err := s.auditSeatAction(ctx, actor, "seats_assigned", p, len(ids), map[string]any{"reason": seatReasonOf(actor)}); err != nil {
			return err
		}
	}
	send, err := s.seatEmailsEnabled(ctx, p)
	if err != nil || !send {
		return err
	}
	return s.queueSeatEmails(ctx, p, ids, now)
}

// auditUsers writes one audit event per user in a single statement.
func (s *Store) auditUsers(ctx context.Context, actor Actor, action string, namespaceID *int64, details string, ids []int64, now time.Time) error {
	sub, arg := s.idSet(ids)
	return s.q(ctx).Exec(auditUsersSQL("("+sub+")"), append(auditUsersArgs(actor, action, namespaceID, details, now), arg)...).Error
}

// auditUsersSQL writes one audit event per user of from, a table or
// subquery whose first column is the user id: the placeholders are
// auditUsersArgs', then from's.
func auditUsersSQL(from string) string {
	return `INSERT INTO audit_events (actor_id, actor_name, action, target_type, target_id, target_name, namespace_id, details, created_at)
		SELECT ?, ?, ?, 'User', u.id, u.username, ?, ?, ? FROM users u WHERE u.id IN (SELECT * FROM ` + from + ` AS t)`
}

func auditUsersArgs(actor Actor, action string, namespaceID *int64, details string, now time.Time) []any {
	var actorID *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	return []any{actorID, actor.Username, action, namespaceID, details, now}
}

// UnassignSeat removes one user's seat; without one it is success, no change.
func (s *Store) UnassignSeat(ctx context.Context, actor Actor, purchaseID, userID int64) (SeatChange, error) {
	_, out, err := s.unassign(ctx, actor, purchaseID, SeatUsers{IDs: []int64{userID}}, false, false)
	return out, err
}

// BulkUnassignSeats removes the seats of those who have one;
// NO_ASSIGNMENTS_FOUND when none has.
func (s *Store) BulkUnassignSeats(ctx context.Context, actor Actor, purchaseID int64, userIDs []int64) (SeatChange, error) {
	_, out, err := s.unassign(ctx, actor, purchaseID, SeatUsers{IDs: userIDs}, true, false)
	return out, err
}

// BulkUnassignSeatsFrom is BulkUnassignSeats for the API: a name or id
// that matches nobody is INVALID_USER_ID_PRESENT, before
// NO_ASSIGNMENTS_FOUND. It returns the users found, in request order.
func (s *Store) BulkUnassignSeatsFrom(ctx context.Context, actor Actor, purchaseID int64, who SeatUsers) ([]SeatUser, SeatChange, error) {
	return s.unassign(ctx, actor, purchaseID, who, true, true)
}

func (s *Store) unassign(ctx context.Context, actor Actor, purchaseID int64, who SeatUsers, bulk, strict bool) ([]SeatUser, SeatChange, error) {
	return s.changeSeats(ctx, purchaseID, who, false, strict, func(tx *Store, p *AddOnPurchase, assigned int64, cands []seatCandidate) (SeatChange, error) {
		out := SeatChange{Assigned: assigned}
		var gone []int64
		for _, c := range cands {
			if c.HasSeat {
				gone = append(gone, c.ID)
			} else {
				out.Unchanged = append(out.Unchanged, c.ID)
			}
		}
		if len(gone) == 0 {
			if bulk {
				return out, seatErr(NoAssignmentsFound)
			}
			return out, nil
		}
		if err := tx.RemoveSeats(ctx, actor, p, gone, bulk); err != nil {
			return out, err
		}
		out.Changed = gone
		// A freed seat may go to the oldest seat request (seat_requests.go).
		granted, err := tx.fillFreedSeats(ctx, p)
		out.Assigned = assigned - int64(len(gone)) + int64(granted)
		return out, err
	})
}

// RemoveSeats deletes the given users' seats of p with one ledger row
// each, and one audit event for the action when bulk, one per user
// otherwise. Call it inside a transaction. On Postgres the ledger rows
// (and per-user events) are made from the rows the DELETE returns, in the
// same statement.
func (s *Store) RemoveSeats(ctx context.Context, actor Actor, p *AddOnPurchase, ids []int64, bulk bool) error {
	now := time.Now().UTC()
	var removed int64
	err := s.withSeatHooks(ctx, p.ID, func() error {
		var err error
		removed, err = s.deleteSeats(ctx, actor, p, ids, !bulk, now)
		return err
	})
	if err != nil || !bulk {
		return err
	}
	return s.auditSeatAction(ctx, actor, "seats_unassigned", p, int(removed), map[string]any{"reason": seatReasonOf(actor)})
}

// deleteSeats deletes the seats and writes their ledger rows (and, when
// perUser, one audit event each); it returns how many seats went.
func (s *Store) deleteSeats(ctx context.Context, actor Actor, p *AddOnPurchase, ids []int64, perUser bool, now time.Time) (int64, error) {
	b, _ := json.Marshal(map[string]any{"add_on_purchase_id": p.ID, "add_on": p.AddOn, "reason": "unassigned"})
	in, arg := s.idIn("user_id", ids)
	del := `DELETE FROM seat_assignments WHERE add_on_purchase_id = ? AND ` + in
	held := `SELECT user_id FROM seat_assignments WHERE add_on_purchase_id = ? AND ` + in
	auditArgs := auditUsersArgs(actor, "seat_unassigned", p.NamespaceID, string(b), now)
	ledger := ledgerArgs(p.ID, SeatLost, actor, now)
	if s.dialect == Postgres {
		args := append([]any{p.ID, arg}, ledger...)
		if !perUser {
			res := s.q(ctx).Exec(`WITH gone AS (`+del+` RETURNING user_id) `+ledgerSQL("gone"), args...)
			return res.RowsAffected, res.Error
		}
		res := s.q(ctx).Exec(`WITH gone AS (`+del+` RETURNING user_id), led AS (`+ledgerSQL("gone")+`) `+auditUsersSQL("gone"),
			append(args, auditArgs...)...)
		return res.RowsAffected, res.Error
	}
	// As on Postgres, rows for the seats that are there to delete only.
	if perUser {
		if err := s.q(ctx).Exec(auditUsersSQL("("+held+")"), append(auditArgs, p.ID, arg)...).Error; err != nil {
			return 0, err
		}
	}
	if err := s.q(ctx).Exec(ledgerSQL("("+held+")"), append(ledger, p.ID, arg)...).Error; err != nil {
		return 0, err
	}
	res := s.q(ctx).Exec(del, p.ID, arg)
	return res.RowsAffected, res.Error
}

// auditSeatAction writes the one audit event of a bulk seat change: who,
// which purchase, how many seats, and why.
func (s *Store) auditSeatAction(ctx context.Context, actor Actor, action string, p *AddOnPurchase, count int, details map[string]any) error {
	d := map[string]any{"add_on_purchase_id": p.ID, "add_on": p.AddOn, "count": count}
	for k, v := range details {
		d[k] = v
	}
	return s.Audit(ctx, actor, AuditEntry{Action: action, TargetType: "AddOnPurchase", TargetID: p.ID,
		TargetName: p.AddOn.Title(), NamespaceID: p.NamespaceID, Details: d})
}

// SeatHolders lists the users holding a seat of a purchase, oldest first.
func (s *Store) SeatHolders(ctx context.Context, purchaseID int64) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Model(&SeatAssignment{}).Where("add_on_purchase_id = ?", purchaseID).Order("created_at, id").Pluck("user_id", &ids).Error
	return ids, err
}
