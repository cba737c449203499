package models

import (
	"context"
	"time"
)

// The seat ledger (table seat_events): one row per seat gained or lost,
// written set-based by the statements that change the seats, in their
// transaction. Its reason says why; the audit events stay as they were.

// Ledger events.
const (
	SeatGained = "gained"
	SeatLost   = "lost"
)

// Ledger reasons. A person or tool changing seats names its path; GitLab
// Duo automation names what it removed the seat for.
const (
	SeatReasonManual            = "manual" // one user's toggle on the seats screen
	SeatReasonBulk              = "bulk"   // the seats screen's bulk action
	SeatReasonAPI               = "api"
	SeatReasonCLI               = "cli"
	SeatReasonImport            = "import"
	SeatReasonTrial             = "trial"
	SeatReasonOverage           = "overage"
	SeatReasonBlocked           = "blocked"
	SeatReasonBanned            = "banned"
	SeatReasonDeactivated       = "deactivated"
	SeatReasonBot               = "bot"
	SeatReasonMembershipRemoved = "membership_removed"
	SeatReasonExpired           = "expired"
	SeatReasonRule              = "rule"    // an assignment rule (rule_id says which)
	SeatReasonLDAP              = "ldap"    // an assignment rule on an LDAP group (rule_id says which)
	SeatReasonReclaim           = "reclaim" // an idle seat taken back by the reclaim policy
	SeatReasonRequest           = "request" // a seat request assigned, by a person or from the queue
)

// SeatReasonRenewed is reserved: it would mark a seat gained because its
// purchase was renewed, and GitLab has no such path, so nothing writes it.
// A purchase renewed within the 28 days after it expired is the same
// purchase row with a later end date, and its assignments were kept all
// along (the seat never went, so none is regained: GitLab's "users will be
// automatically re-assigned" is that they keep theirs); after the 28 days
// the cleanup has removed them (reason expired) and a renewal brings none
// back — users need to be reassigned (manual, bulk, api …).
const SeatReasonRenewed = "renewed"

// SeatReasons lists the ledger reasons, for filters.
var SeatReasons = []string{SeatReasonManual, SeatReasonBulk, SeatReasonAPI, SeatReasonCLI, SeatReasonImport,
	SeatReasonTrial, SeatReasonOverage, SeatReasonBlocked, SeatReasonBanned, SeatReasonDeactivated,
	SeatReasonBot, SeatReasonMembershipRemoved, SeatReasonExpired, SeatReasonRenewed, SeatReasonRule, SeatReasonLDAP, SeatReasonReclaim, SeatReasonRequest}

// removalLedgerReason maps automation's removal reasons (kept in audit
// details and mail) to ledger reasons.
var removalLedgerReason = map[string]string{
	ReasonSeatOverage: SeatReasonOverage, ReasonUserBlocked: SeatReasonBlocked, ReasonUserBanned: SeatReasonBanned,
	ReasonUserDeactivated: SeatReasonDeactivated, ReasonBot: SeatReasonBot,
	ReasonMembershipRemoved: SeatReasonMembershipRemoved, ReasonExpired: SeatReasonExpired,
	ReasonIdleReclaimed: SeatReasonReclaim,
}

// seatReasonOf is the actor's seat reason; an actor that names none
// (tests, internal callers) records manual.
func seatReasonOf(a Actor) string {
	if a.SeatReason == "" {
		return SeatReasonManual
	}
	return a.SeatReason
}

// ledgerSQL writes one ledger row per row of from, a table or subquery
// with a user_id column; the placeholders are ledgerArgs', then from's.
func ledgerSQL(from string) string {
	return `INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, rule_id, actor_id, actor_name, created_at)
		SELECT ?, l.user_id, ?, ?, ?, ?, ?, ? FROM ` + from + ` AS l`
}

func ledgerArgs(purchaseID int64, event string, actor Actor, now time.Time) []any {
	var actorID *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	var ruleID *int64
	if actor.RuleID != 0 {
		ruleID = &actor.RuleID
	}
	return []any{purchaseID, event, seatReasonOf(actor), ruleID, actorID, actor.Username, now}
}

// removalLedgerSQL writes a lost row per row of from (columns user_id and
// reason, automation's removal reason) with the matching ledger reason;
// the placeholders are removalLedgerArgs', then from's. The rows go in
// from's order, not the removal order: the removal statement hands them
// over in user order, which fills the ledger's user index page by page
// (in the overage order, random to user ids, 40,000 rows took a quarter
// to a half longer). The ledger is read by time and id, and one removal's
// rows share their time, so their order among themselves says nothing:
// the seat history lists them newest id first, which is no longer the
// reverse removal order (the owners' summary keeps that order).
func removalLedgerSQL(from string) string {
	reason := "CASE l.reason"
	for range removalReasons {
		reason += " WHEN ? THEN ?"
	}
	reason += " ELSE l.reason END"
	return `INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, rule_id, actor_id, actor_name, created_at)
		SELECT ?, l.user_id, '` + SeatLost + `', ` + reason + `, NULL, NULL, ?, ? FROM ` + from + ` AS l`
}

func removalLedgerArgs(purchaseID int64, now time.Time) []any {
	args := []any{purchaseID}
	for _, code := range removalReasons {
		args = append(args, code, removalLedgerReason[code])
	}
	return append(args, Automation.Username, now)
}

// ledgerImported writes a gained row for each imported seat, dated when
// the file says it was assigned (the seat's created_at), so history read
// from the ledger starts there; webhooks get them as one delivery.
func (s *Store) ledgerImported(ctx context.Context, actor Actor, purchaseID int64, ids []int64) error {
	sub, arg := s.idSet(ids)
	return s.ledgerHeld(ctx, actor, SeatReasonImport, purchaseID, SeatGained, " AND sa.user_id IN ("+sub+")", arg)
}

// LedgerSeatsHeld writes a row of event, with the actor's seat reason, for
// every seat the purchase holds now: for bulk seat writers outside the
// Store's seat methods (models/seed), before they delete seats (lost) and
// after they insert them (gained, dated when each was assigned).
func (s *Store) LedgerSeatsHeld(ctx context.Context, actor Actor, purchaseID int64, event string) error {
	return s.ledgerHeld(ctx, actor, seatReasonOf(actor), purchaseID, event, "")
}

// ledgerHeld writes a row per seat of the purchase (narrowed by and, with
// its arguments): a gained one dated when the seat was assigned, a lost
// one now.
func (s *Store) ledgerHeld(ctx context.Context, actor Actor, reason string, purchaseID int64, event, and string, andArgs ...any) error {
	var actorID *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	at := any(nil) // NULL: the seat's created_at
	if event == SeatLost {
		at = time.Now()
	}
	args := append([]any{event, reason, actorID, actor.Username, at, purchaseID}, andArgs...)
	return s.withSeatHooks(ctx, purchaseID, func() error {
		return s.q(ctx).Exec(`INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, rule_id, actor_id, actor_name, created_at)
		SELECT sa.add_on_purchase_id, sa.user_id, ?, ?, NULL, ?, ?, COALESCE(?, sa.created_at) FROM seat_assignments sa
		WHERE sa.add_on_purchase_id = ?`+and+` ORDER BY sa.id`, args...).Error
	})
}
