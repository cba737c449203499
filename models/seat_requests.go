package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Seat requests: a user without a seat asks for one with an optional
// note; the purchase's owners (GitLab.com) or the administrators
// (self-managed) are mailed and see a queue, oldest first, where they
// assign seats (one or many) or decline with a reason mailed back. With
// "fill freed seats from the queue" on, free seats go to the oldest
// requests whenever seats are freed (fillFreedSeats).

// Seat request states.
const (
	SeatRequestPending  = "pending"
	SeatRequestApproved = "approved"
	SeatRequestDeclined = "declined"
)

// MaxSeatRequestNote bounds the note and the decline reason.
const MaxSeatRequestNote = 1000

type SeatRequest struct {
	ID              int64
	AddOnPurchaseID int64
	UserID          int64
	Note            string
	State           string
	DeclineReason   string
	DecidedBy       string
	DecidedAt       *time.Time
	CreatedAt       time.Time
	// Read with the user.
	Username string `gorm:"->;-:migration"`
	Name     string `gorm:"->;-:migration"`
	Email    string `gorm:"->;-:migration"`
}

func (SeatRequest) TableName() string { return "seat_requests" }

type seatRequestSettings struct {
	AddOnPurchaseID int64 `gorm:"primaryKey;autoIncrement:false"`
	FillFreedSeats  bool
	UpdatedAt       time.Time
}

func (seatRequestSettings) TableName() string { return "seat_request_settings" }

// ErrNoSeatToRequest: the user holds a seat, may not hold one, or there is
// no active purchase to ask for.
var ErrNoSeatToRequest = Message("There is no GitLab Duo seat you can request.")

// RequestablePurchases are the seat purchases (one per owner: the one the
// seat screens manage) that are active, that u may hold a seat of and
// does not: on self-managed the instance's, on GitLab.com those of the
// top-level groups u is a member of.
func (s *Store) RequestablePurchases(ctx context.Context, u *User) ([]AddOnPurchase, error) {
	var roots []struct{ NamespaceID *int64 }
	if err := s.q(ctx).Raw(`SELECT DISTINCT namespace_id FROM add_on_purchases WHERE namespace_id IS NULL
		OR namespace_id IN (SELECT m.root_namespace_id FROM members m WHERE m.user_id = ? AND NOT m.pending)
		ORDER BY namespace_id`, u.ID).Scan(&roots).Error; err != nil {
		return nil, err
	}
	today := Today()
	var out []AddOnPurchase
	for _, root := range roots {
		p, err := s.SeatPurchase(ctx, root.NamespaceID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !p.ActiveOn(today) {
			continue
		}
		var held int64
		if err := s.q(ctx).Model(&SeatAssignment{}).Where("add_on_purchase_id = ? AND user_id = ?", p.ID, u.ID).Count(&held).Error; err != nil {
			return nil, err
		}
		ok, err := s.IsEligible(ctx, p, u.ID)
		if err != nil {
			return nil, err
		}
		if held == 0 && ok {
			out = append(out, *p)
		}
	}
	return out, nil
}

// PendingSeatRequestsOf is u's pending requests, by purchase id.
func (s *Store) PendingSeatRequestsOf(ctx context.Context, userID int64) (map[int64]SeatRequest, error) {
	var rs []SeatRequest
	err := s.q(ctx).Where("user_id = ? AND state = ?", userID, SeatRequestPending).Find(&rs).Error
	out := map[int64]SeatRequest{}
	for _, r := range rs {
		out[r.AddOnPurchaseID] = r
	}
	return out, err
}

// RequestSeat records u's request for a seat of purchaseID, audited, and
// mails the purchase's owners or administrators. A second pending request
// is a field error; a purchase u cannot ask for is ErrNoSeatToRequest.
func (s *Store) RequestSeat(ctx context.Context, u *User, purchaseID int64, note string) (*SeatRequest, error) {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > MaxSeatRequestNote {
		return nil, FieldErrors{"note": fmt.Sprintf("is too long (at most %d characters)", MaxSeatRequestNote)}
	}
	ps, err := s.RequestablePurchases(ctx, u)
	if err != nil {
		return nil, err
	}
	var p *AddOnPurchase
	for i := range ps {
		if ps[i].ID == purchaseID {
			p = &ps[i]
		}
	}
	if p == nil {
		return nil, ErrNoSeatToRequest
	}
	r := &SeatRequest{AddOnPurchaseID: p.ID, UserID: u.ID, Note: note, State: SeatRequestPending, CreatedAt: time.Now().UTC()}
	err = s.Tx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.q(ctx).Model(&SeatRequest{}).Where("add_on_purchase_id = ? AND user_id = ? AND state = ?", p.ID, u.ID, SeatRequestPending).
			Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return FieldErrors{"note": "You have already requested a " + p.AddOn.Title() + " seat."}
		}
		if err := tx.q(ctx).Omit("Username", "Name", "Email").Create(r).Error; err != nil {
			return err
		}
		if err := tx.Audit(ctx, ActorFor(u), AuditEntry{Action: "seat_requested", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, NamespaceID: p.NamespaceID,
			Details: map[string]any{"add_on_purchase_id": p.ID, "add_on": p.AddOn, "seat_request_id": r.ID}}); err != nil {
			return err
		}
		to, err := tx.removalRecipients(ctx, p)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		body := fmt.Sprintf("%s (@%s) asks for a %s seat.\n\n", u.Name, u.Username, p.AddOn.Title())
		if note != "" {
			body += "Their note: " + note + "\n\n"
		}
		body += "Assign or decline it in the seat requests queue: " + tx.opts.BaseURL + "\n"
		for _, addr := range to {
			m := OutboxEmail{ToAddress: addr, Kind: "seat_requested", Subject: "@" + u.Username + " requests a " + p.AddOn.Title() + " seat",
				TextBody: body, NextAttemptAt: now, CreatedAt: now}
			if err := tx.q(ctx).Create(&m).Error; err != nil {
				return err
			}
		}
		locked, _, err := tx.lockPurchase(ctx, p.ID)
		if err != nil {
			return err
		}
		_, err = tx.fillFreedSeats(ctx, locked)
		return err
	})
	return r, err
}

// SeatRequestsQueue is a page of a purchase's pending requests, oldest first.
func (s *Store) SeatRequestsQueue(ctx context.Context, purchaseID int64, page Page) (Paged[SeatRequest], error) {
	page.Number = min(max(page.Number, 1), MaxPageNumber)
	if page.PerPage < 1 || page.PerPage > 100 {
		page.PerPage = PerPageChoices[0]
	}
	out := Paged[SeatRequest]{Items: []SeatRequest{}, Page: page.Number, PerPage: page.PerPage}
	q := s.q(ctx).Table("seat_requests AS r").Where("r.add_on_purchase_id = ? AND r.state = ?", purchaseID, SeatRequestPending)
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := q.Joins("JOIN users u ON u.id = r.user_id").Select("r.*, u.username, u.name, u.email").
		Order("r.created_at, r.id").Offset((page.Number - 1) * page.PerPage).Limit(page.PerPage).Scan(&out.Items).Error
	return out, err
}

// pendingRequests reads the given pending requests of p (all when ids is nil), oldest first.
func (s *Store) pendingRequests(ctx context.Context, purchaseID int64, ids []int64) ([]SeatRequest, error) {
	q := s.q(ctx).Where("add_on_purchase_id = ? AND state = ?", purchaseID, SeatRequestPending)
	if ids != nil {
		q = s.whereIDIn(q, "id", ids)
	}
	var rs []SeatRequest
	err := q.Order("created_at, id").Find(&rs).Error
	return rs, err
}

// ApproveSeatRequests assigns seats to the requests' users, all or
// nothing, as a bulk assignment does (NOT_ENOUGH_SEATS, and
// INVALID_USER_ID_PRESENT for a user who may no longer hold one), and
// closes them. A request that is not pending is ErrNotFound.
func (s *Store) ApproveSeatRequests(ctx context.Context, actor Actor, purchaseID int64, ids []int64) (int, error) {
	n := 0
	err := s.Tx(ctx, func(tx *Store) error {
		p, assigned, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		rs, err := tx.pendingRequests(ctx, p.ID, ids)
		if err != nil {
			return err
		}
		if len(rs) == 0 || len(rs) != len(UniqueIDs(ids)) {
			return ErrNotFound
		}
		if !p.ActiveOn(Today()) {
			return seatErr(PurchaseNotActive)
		}
		fresh, err := tx.eligibleRequesters(ctx, p, rs)
		if err != nil {
			return err
		}
		if len(fresh) != len(rs) {
			return seatErr(InvalidUserIDPresent)
		}
		if int64(p.Quantity)-assigned < int64(len(fresh)) {
			return seatErr(NotEnoughSeats)
		}
		n = len(rs)
		return tx.grantRequests(ctx, actor, p, rs)
	})
	return n, err
}

// eligibleRequesters is the requests' users who may hold a seat and do not.
func (tx *Store) eligibleRequesters(ctx context.Context, p *AddOnPurchase, rs []SeatRequest) (map[int64]bool, error) {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.UserID
	}
	cands, err := tx.seatCandidates(ctx, p, SeatUsers{IDs: ids}, true)
	out := map[int64]bool{}
	for _, c := range cands {
		if c.Known && c.Eligible && !c.HasSeat {
			out[c.ID] = true
		}
	}
	return out, err
}

// grantRequests assigns the seats (audited, in the ledger as request,
// mailed as any assignment) and closes the requests.
func (tx *Store) grantRequests(ctx context.Context, actor Actor, p *AddOnPurchase, rs []SeatRequest) error {
	users, reqs := make([]int64, len(rs)), make([]int64, len(rs))
	for i, r := range rs {
		users[i], reqs[i] = r.UserID, r.ID
	}
	if err := tx.insertAssignments(ctx, actor.WithSeatReason(SeatReasonRequest), p, users, len(users) == 1); err != nil {
		return err
	}
	return tx.whereIDIn(tx.q(ctx).Model(&SeatRequest{}), "id", reqs).
		Updates(map[string]any{"state": SeatRequestApproved, "decided_by": actor.Username, "decided_at": time.Now().UTC()}).Error
}

// DeclineSeatRequest closes a pending request with a reason, mailed to the
// user, audited.
func (s *Store) DeclineSeatRequest(ctx context.Context, actor Actor, purchaseID, requestID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > MaxSeatRequestNote {
		return FieldErrors{"reason": fmt.Sprintf("is too long (at most %d characters)", MaxSeatRequestNote)}
	}
	return s.Tx(ctx, func(tx *Store) error {
		p, err := tx.PurchaseByID(ctx, purchaseID)
		if err != nil {
			return err
		}
		var r SeatRequest
		err = tx.forUpdate(ctx).Where("id = ? AND add_on_purchase_id = ? AND state = ?", requestID, purchaseID, SeatRequestPending).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, r.UserID)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		if err := tx.q(ctx).Model(&SeatRequest{}).Where("id = ?", r.ID).Updates(map[string]any{"state": SeatRequestDeclined,
			"decline_reason": reason, "decided_by": actor.Username, "decided_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Audit(ctx, actor, AuditEntry{Action: "seat_request_declined", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, NamespaceID: p.NamespaceID,
			Details: map[string]any{"add_on_purchase_id": p.ID, "add_on": p.AddOn, "seat_request_id": r.ID, "reason": reason}}); err != nil {
			return err
		}
		body := fmt.Sprintf("Hello %s,\n\nYour request for a %s seat was declined.", u.Name, p.AddOn.Title())
		if reason != "" {
			body += "\n\nReason: " + reason
		}
		return tx.q(ctx).Create(&OutboxEmail{ToAddress: u.Email, Kind: "seat_request_declined",
			Subject: "Your " + p.AddOn.Title() + " seat request was declined", TextBody: body + "\n", NextAttemptAt: now, CreatedAt: now}).Error
	})
}

// FillFreedSeats tells whether p's free seats go to the queue.
func (s *Store) FillFreedSeats(ctx context.Context, purchaseID int64) (bool, error) {
	var st seatRequestSettings
	err := s.q(ctx).Where("add_on_purchase_id = ?", purchaseID).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return st.FillFreedSeats, err
}

// SetFillFreedSeats turns the setting on or off, audited; turned on, the
// free seats go to the queue at once.
func (s *Store) SetFillFreedSeats(ctx context.Context, actor Actor, purchaseID int64, on bool) error {
	return s.Tx(ctx, func(tx *Store) error {
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		st := seatRequestSettings{AddOnPurchaseID: p.ID, FillFreedSeats: on, UpdatedAt: time.Now().UTC()}
		if err := tx.q(ctx).Save(&st).Error; err != nil {
			return err
		}
		if err := tx.Audit(ctx, actor, AuditEntry{Action: "seat_request_settings_updated", TargetType: "AddOnPurchase",
			TargetID: p.ID, TargetName: p.AddOn.Title(), NamespaceID: p.NamespaceID,
			Details: map[string]any{"add_on_purchase_id": p.ID, "add_on": p.AddOn, "fill_freed_seats": on}}); err != nil {
			return err
		}
		_, err = tx.fillFreedSeats(ctx, p)
		return err
	})
}

// fillFreedSeats gives p's free seats to the oldest pending requests whose
// users may hold one, when the purchase says so. Call it on the
// transaction that freed seats, with p locked: a reclaim, a removal, a
// larger quantity, or a new request.
func (tx *Store) fillFreedSeats(ctx context.Context, p *AddOnPurchase) (int, error) {
	on, err := tx.FillFreedSeats(ctx, p.ID)
	if err != nil || !on || !p.ActiveOn(Today()) {
		return 0, err
	}
	assigned, err := tx.AssignedCount(ctx, p.ID)
	if err != nil {
		return 0, err
	}
	free := int64(p.Quantity) - assigned
	if free <= 0 {
		return 0, nil
	}
	rs, err := tx.pendingRequests(ctx, p.ID, nil)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	ok, err := tx.eligibleRequesters(ctx, p, rs)
	if err != nil {
		return 0, err
	}
	var take []SeatRequest
	for _, r := range rs {
		if ok[r.UserID] && int64(len(take)) < free {
			take = append(take, r)
		}
	}
	if len(take) == 0 {
		return 0, nil
	}
	return len(take), tx.grantRequests(ctx, Automation, p, take)
}
