package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Reasons recorded when GitLab Duo automation removes a seat.
const (
	ReasonSeatOverage       = "seat_overage"
	ReasonUserBlocked       = "user_blocked"
	ReasonUserBanned        = "user_banned"
	ReasonUserDeactivated   = "user_deactivated"
	ReasonBot               = "bot"
	ReasonMembershipRemoved = "membership_removed"
	ReasonExpired           = "expired"
	ReasonIdleReclaimed     = "idle_reclaimed"
)

// ReasonText explains a removal reason to people.
var ReasonText = map[string]string{
	ReasonSeatOverage:       "the purchase now has fewer seats than were assigned",
	ReasonUserBlocked:       "the account was blocked",
	ReasonUserBanned:        "the account was banned",
	ReasonUserDeactivated:   "the account was deactivated",
	ReasonBot:               "bot accounts cannot hold a seat",
	ReasonMembershipRemoved: "the user is no longer a member of the group",
	ReasonExpired:           "the subscription expired more than 28 days ago",
	ReasonIdleReclaimed:     "GitLab Duo was not used during the idle period of the seat reclaim policy, nor after the notice",
}

// removalReasons lists the codes in a fixed order (for SQL built from them).
var removalReasons = []string{ReasonSeatOverage, ReasonUserBlocked, ReasonUserBanned, ReasonUserDeactivated,
	ReasonBot, ReasonMembershipRemoved, ReasonExpired, ReasonIdleReclaimed}

// ExpiryGraceDays is how long assignments outlive their purchase's expiry.
const ExpiryGraceDays = 28

// Removal is one seat automation takes away, and why.
type Removal struct {
	UserID   int64
	Username string
	Name     string
	Email    string
	Reason   string
	// Rank is the position in the overage order (1 = removed first); 0 for
	// other reasons.
	Rank int
	// LastCodeSuggestionsUsageAt explains an overage rank.
	LastCodeSuggestionsUsageAt *time.Time
	// UsedSinceStart: used Code Suggestions since the purchase started.
	UsedSinceStart bool
}

// overageSince is when "since the purchase started" begins.
func overageSince(p *AddOnPurchase) time.Time {
	if p.StartedAt != nil {
		return p.StartedAt.Time
	}
	return p.CreatedAt
}

// OverageRemovals lists, in order, the seats that reducing p to quantity
// removes: first users who have not used Code Suggestions since the
// purchase started, most recently assigned first; then users who have,
// least recent use first (ties: most recently assigned first).
func (s *Store) OverageRemovals(ctx context.Context, p *AddOnPurchase, quantity int) ([]Removal, error) {
	return s.overageRemovals(ctx, p, quantity, nil)
}

// overageRemovals leaves out seats already being removed (exclude).
func (s *Store) overageRemovals(ctx context.Context, p *AddOnPurchase, quantity int, exclude []int64) ([]Removal, error) {
	assigned, err := s.AssignedCount(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	excess := int(assigned) - len(exclude) - quantity
	if excess <= 0 {
		return nil, nil
	}
	var rows []Removal
	q := s.q(ctx).Table("seat_assignments AS sa").Joins("JOIN users u ON u.id = sa.user_id").
		Select("u.id AS user_id, u.username, u.name, u.email, u.last_code_suggestions_usage_at").
		Where("sa.add_on_purchase_id = ?", p.ID)
	if len(exclude) > 0 {
		sub, arg := s.idSet(exclude)
		q = q.Where("sa.user_id NOT IN ("+sub+")", arg)
	}
	err = q.Order(clauseExpr(overageOrder, overageOrderArgs(p)...)).Limit(excess).Scan(&rows).Error
	for i := range rows {
		rows[i].Reason, rows[i].Rank = ReasonSeatOverage, i+1
	}
	markUsedSinceStart(p, rows)
	return rows, err
}

// overageOrder is GitLab's overage order over a purchase's seats (sa)
// joined to their users (u); its placeholders are overageOrderArgs'. The
// preview (overageRemovals) and the removal (deleteOverage) both order by
// it, so the preview lists exactly the seats the removal takes.
const overageOrder = `CASE WHEN u.last_code_suggestions_usage_at IS NULL OR u.last_code_suggestions_usage_at < ? THEN 0 ELSE 1 END,
	CASE WHEN u.last_code_suggestions_usage_at IS NULL OR u.last_code_suggestions_usage_at < ? THEN NULL ELSE u.last_code_suggestions_usage_at END ASC,
	sa.created_at DESC, sa.id DESC`

// removalUserColumns are the users' columns a removal reports (Removal)
// and mails, of users u.
const removalUserColumns = "u.username, u.name, u.email, u.last_code_suggestions_usage_at"

func overageOrderArgs(p *AddOnPurchase) []any {
	since := overageSince(p)
	return []any{since, since}
}

// markUsedSinceStart explains each overage rank: used Code Suggestions
// since the purchase started.
func markUsedSinceStart(p *AddOnPurchase, rs []Removal) {
	since := overageSince(p)
	for i := range rs {
		used := rs[i].LastCodeSuggestionsUsageAt
		rs[i].UsedSinceStart = used != nil && !used.Before(since)
	}
}

// IneligibleRemovals lists the seats of p held by users who may no longer
// hold one, with the reason for each.
func (s *Store) IneligibleRemovals(ctx context.Context, p *AddOnPurchase) ([]Removal, error) {
	reason := `CASE WHEN u.bot THEN 'bot' WHEN u.state = 'blocked' THEN 'user_blocked'
		WHEN u.state = 'banned' THEN 'user_banned' WHEN u.state = 'deactivated' THEN 'user_deactivated'`
	args := []any{}
	if p.NamespaceID != nil {
		reason += ` WHEN EXISTS (SELECT 1 FROM namespace_bans nb WHERE nb.user_id = u.id AND nb.namespace_id = ?) THEN 'user_banned'`
		args = append(args, *p.NamespaceID)
	}
	reason += ` ELSE 'membership_removed' END AS reason`
	var rows []Removal
	err := s.q(ctx).Table("seat_assignments AS sa").Joins("JOIN users u ON u.id = sa.user_id").
		Select("u.id AS user_id, u.username, u.name, u.email, "+reason, args...).
		Where("sa.add_on_purchase_id = ?", p.ID).
		// NOT EXISTS, not NOT IN: an anti-join walking the purchase's seats
		// and the eligible users in user order, rather than hashing every
		// eligible user of the instance to probe 50,000 seats against.
		Where("NOT EXISTS (?)", s.eligibleUsersInUserOrder(ctx, p).Select("1").Where("u.id = sa.user_id")).
		Order("sa.id").Scan(&rows).Error
	return rows, err
}

// applyRemovals deletes the seats and writes one ledger row per user (with
// the reason), the audit — one event per user with reason and rank when
// one seat goes, one event for the action with the count per reason when
// several do — and the mail, each user and the purchase's owners,
// set-based: a cut from 100,000 to 60,000 seats is a few statements, not
// 80,000 rows built in Go. On Postgres the DELETE's returned rows, joined
// to users once, feed the ledger and the mail in one statement.
func (s *Store) applyRemovals(ctx context.Context, p *AddOnPurchase, rs []Removal) error {
	if len(rs) == 0 {
		return nil
	}
	now := time.Now().UTC()
	perUser := len(rs) == 1
	err := s.withSeatHooks(ctx, p.ID, func() error { return s.deleteRemovals(ctx, p, rs, perUser, now) })
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, r := range rs {
		counts[r.Reason]++
	}
	return s.finishRemovals(ctx, p, rs, counts, now)
}

// finishRemovals is what follows the seats, ledger and mail of removals:
// the one audit event of a bulk removal, the owners' summary, the queue.
// counts are the seats removed per reason; listed are the removals in
// order, all of them or (an overage whose caller keeps none) the first
// the owners' summary lists.
func (s *Store) finishRemovals(ctx context.Context, p *AddOnPurchase, listed []Removal, counts map[string]int, now time.Time) error {
	total := 0
	for _, n := range counts {
		total += n
	}
	if total > 1 {
		details := map[string]any{"reasons": counts}
		if len(counts) == 1 {
			for reason := range counts {
				details = map[string]any{"reason": reason}
			}
		}
		if err := s.auditSeatAction(ctx, Automation, "seats_unassigned", p, total, details); err != nil {
			return err
		}
	}
	return s.afterRemovals(ctx, p, listed, total, now)
}

// afterRemovals tells the owners, then gives the freed seats to the
// oldest seat requests when the purchase says so (seat_requests.go).
func (s *Store) afterRemovals(ctx context.Context, p *AddOnPurchase, listed []Removal, total int, now time.Time) error {
	if err := s.queueRemovalSummary(ctx, p, listed, total, now); err != nil {
		return err
	}
	_, err := s.fillFreedSeats(ctx, p)
	return err
}

// deleteRemovals is applyRemovals' seats, ledger, mail and (perUser) audit
// events.
func (s *Store) deleteRemovals(ctx context.Context, p *AddOnPurchase, rs []Removal, perUser bool, now time.Time) error {
	set, arg := s.removalSet(rs)
	reasons := make([]string, len(rs))
	for i, r := range rs {
		reasons[i] = r.Reason
	}
	bodies, err := s.removalBodies(ctx, p, reasons, now)
	if err != nil {
		return err
	}
	if s.dialect == Postgres {
		q, args := s.removalStatement(p, set, []any{arg}, bodies, perUser, now, 0, false)
		return s.q(ctx).Exec(q, args...).Error
	}
	withUsers := `(SELECT r.*, u.username, u.name, u.email FROM (` + set + `) AS r JOIN users u ON u.id = r.user_id)`
	if perUser {
		if err := s.q(ctx).Exec(removalAuditSQL(withUsers), append(removalAuditArgs(p, now), arg)...).Error; err != nil {
			return err
		}
	}
	if err := s.q(ctx).Exec(removalLedgerSQL("("+set+")"), append(removalLedgerArgs(p.ID, now), arg)...).Error; err != nil {
		return err
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.UserID
	}
	if err := s.whereIDIn(s.q(ctx).Where("add_on_purchase_id = ?", p.ID), "user_id", ids).Delete(&SeatAssignment{}).Error; err != nil {
		return err
	}
	mail, mailArgs := s.removalMailSQL(p, withUsers, bodies, now)
	return s.q(ctx).Exec(mail, append(mailArgs, arg)...).Error
}

// removalAuditSQL writes the audit event of each removal of from (columns
// user_id, username, reason, rank, ord) with its reason and rank; the
// placeholders are removalAuditArgs', then from's.
func removalAuditSQL(from string) string {
	return `INSERT INTO audit_events (actor_id, actor_name, action, target_type, target_id, target_name, namespace_id, details, created_at)
		SELECT NULL, ?, 'seat_unassigned', 'User', r.user_id, r.username, ?,
			? || r.reason || '"' || CASE WHEN r.rank > 0 THEN ',"rank":' || CAST(r.rank AS text) ELSE '' END || '}', ?
		FROM ` + from + ` AS r ORDER BY r.ord`
}

func removalAuditArgs(p *AddOnPurchase, now time.Time) []any {
	prefix := fmt.Sprintf(`{"add_on_purchase_id":%d,"add_on":%q,"reason":"`, p.ID, p.AddOn)
	return []any{Automation.Username, p.NamespaceID, prefix, now}
}

// removalStatement is, on Postgres, the removal of the seats of set (a
// subquery with columns user_id, rank, reason and ord, the removal order;
// its placeholders setArgs) in one statement: seats, ledger rows, the
// mail, and, perUser, the audit event. With answer > 0 it answers the
// first answer removed seats' Removals in removal order, each row with
// the count of all removed seats. withUsers says set already carries
// the users' username and email, what the ledger, the mail and the audit
// need, which the DELETE then returns instead of joining the removed
// seats to users a second time; the answer joins only the rows it lists
// to users for the rest.
func (s *Store) removalStatement(p *AddOnPurchase, set string, setArgs []any, bodies map[string]int64, perUser bool, now time.Time, answer int, withUsers bool) (string, []any) {
	// src is the removed seats with their users' columns: the DELETE's
	// own rows when set carries them (not copied into a second CTE),
	// otherwise those rows joined to users once.
	returned, src := "r.user_id, r.rank, r.reason, r.ord", "g"
	g := `, g AS MATERIALIZED (SELECT gone.*, ` + removalUserColumns + ` FROM gone JOIN users u ON u.id = gone.user_id)`
	if withUsers {
		returned, src, g = "r.*", "gone", ""
	}
	mail, mailArgs := s.removalMailSQL(p, src, bodies, now)
	args := append(append(setArgs, p.ID), removalLedgerArgs(p.ID, now)...)
	auditCTE := ""
	if perUser {
		auditCTE = `, a AS (` + removalAuditSQL(src) + `)`
		args = append(args, removalAuditArgs(p, now)...)
	}
	final := mail
	if answer > 0 {
		final = `, m AS (` + mail + `) SELECT t.user_id, t.username, u.name, t.email, t.reason, t.rank, u.last_code_suggestions_usage_at, t.removed
			FROM (SELECT user_id, username, email, reason, rank, ord, count(*) OVER () AS removed FROM ` + src + ` ORDER BY ord LIMIT ?) AS t
			JOIN users u ON u.id = t.user_id ORDER BY t.ord`
		mailArgs = append(mailArgs, answer)
	}
	// The removals come in overage order, which is random to the seats'
	// and users' tables; joined in user order, the DELETE and the users
	// lookup read their pages in turn instead of jumping about, and the
	// DELETE hands the ledger and the mail their rows in user order too.
	return `WITH r AS (` + set + `),
			gone AS (DELETE FROM seat_assignments sa USING (SELECT * FROM r ORDER BY r.user_id) AS r WHERE sa.add_on_purchase_id = ? AND sa.user_id = r.user_id
				RETURNING ` + returned + `),
			led AS (` + removalLedgerSQL("gone") + `)
			` + g + `
			` + auditCTE + `
			` + final, append(args, mailArgs...)
}

// removeOverage is reconcileOverage on Postgres: the overage is chosen by
// the removal statement itself (overageOrder), so 40,000 removed seats are
// not read out and sent back; the statement answers what it removed: every
// removal when listAll, otherwise only those the owners' summary names
// (reading 40,000 removals into Go took a tenth of the cut, for a caller
// that keeps none of them).
func (s *Store) removeOverage(ctx context.Context, p *AddOnPurchase, listAll bool) ([]Removal, error) {
	assigned, err := s.AssignedCount(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	excess := int(assigned) - p.Quantity
	if excess <= 0 {
		return nil, nil
	}
	now := time.Now().UTC()
	// Its sorts (the overage order, the ledger's and the mail's removal
	// order) hold every seat of the purchase: in memory, not spilled.
	if err := s.q(ctx).Exec("SET LOCAL work_mem = '64MB'").Error; err != nil {
		return nil, err
	}
	// The users' username and email ride along from the overage order's
	// join to users to the removed seats (withUsers); their other columns,
	// carried through both sorts and the DELETE for all 40,000, cost more
	// than joining the answered rows to users again.
	set := `SELECT o.*, CAST(o.n AS integer) AS rank, CAST(? AS text) AS reason, CAST(o.n AS integer) - 1 AS ord FROM (
		SELECT sa.user_id, u.username, u.email, row_number() OVER (ORDER BY ` + overageOrder + `) AS n
		FROM seat_assignments sa JOIN users u ON u.id = sa.user_id WHERE sa.add_on_purchase_id = ?) AS o
		WHERE o.n <= ?`
	setArgs := append(append([]any{ReasonSeatOverage}, overageOrderArgs(p)...), p.ID, excess)
	bodies, err := s.removalBodies(ctx, p, []string{ReasonSeatOverage}, now)
	if err != nil {
		return nil, err
	}
	answer := excess
	if !listAll {
		answer = min(excess, summaryListed)
	}
	var rs []Removal
	removed := 0
	err = s.withSeatHooks(ctx, p.ID, func() error {
		q, args := s.removalStatement(p, set, setArgs, bodies, excess == 1, now, answer, true)
		rows, err := s.q(ctx).Raw(q, args...).Rows()
		if err != nil {
			return err
		}
		rs, removed, err = scanRemovals(rows, answer)
		return err
	})
	if err != nil || removed == 0 {
		return nil, err
	}
	markUsedSinceStart(p, rs)
	return rs, s.finishRemovals(ctx, p, rs, map[string]int{ReasonSeatOverage: removed}, now)
}

// scanRemovals reads the removal statement's answer (removalStatement's
// columns, in order) by hand, and the count of all removed seats: GORM's
// reflective scan took longer over 40,000 removed seats than deleting
// them. want is how many rows to make room for: appended row by row,
// 40,000 removals were reallocated and copied some thirty times.
func scanRemovals(rows *sql.Rows, want int) (rs []Removal, removed int, err error) {
	defer func() { _ = rows.Close() }()
	rs = make([]Removal, 0, want)
	for rows.Next() {
		var r Removal
		if err := rows.Scan(&r.UserID, &r.Username, &r.Name, &r.Email, &r.Reason, &r.Rank, &r.LastCodeSuggestionsUsageAt, &removed); err != nil {
			return nil, 0, err
		}
		rs = append(rs, r)
	}
	return rs, removed, rows.Err()
}

// RemoveIneligible takes seats from users who may no longer hold them.
func (s *Store) RemoveIneligible(ctx context.Context, purchaseID int64) ([]Removal, error) {
	var out []Removal
	err := s.Tx(ctx, func(tx *Store) error {
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		out, err = tx.removeIneligible(ctx, p)
		return err
	})
	return out, err
}

func (s *Store) removeIneligible(ctx context.Context, p *AddOnPurchase) ([]Removal, error) {
	rs, err := s.IneligibleRemovals(ctx, p)
	if err != nil {
		return nil, err
	}
	return rs, s.applyRemovals(ctx, p, rs)
}

// ReconcileOverage removes the seats above the purchase's quantity.
func (s *Store) ReconcileOverage(ctx context.Context, purchaseID int64) ([]Removal, error) {
	var out []Removal
	err := s.Tx(ctx, func(tx *Store) error {
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		out, err = tx.reconcileOverage(ctx, p, true)
		return err
	})
	return out, err
}

// reconcileOverage removes the overage and answers the removals: all of
// them when listAll, otherwise at least those the owners' summary names.
func (s *Store) reconcileOverage(ctx context.Context, p *AddOnPurchase, listAll bool) ([]Removal, error) {
	if s.dialect == Postgres {
		return s.removeOverage(ctx, p, listAll)
	}
	rs, err := s.OverageRemovals(ctx, p, p.Quantity)
	if err != nil {
		return nil, err
	}
	return rs, s.applyRemovals(ctx, p, rs)
}

// refreshInTx is the refresh of a purchase: remove ineligible, then
// reconcile overage; it records when it ran. It is the refresh a person's
// change runs (a quantity change, an import), which showed what it removes.
func (s *Store) refreshInTx(ctx context.Context, p *AddOnPurchase) ([]Removal, error) {
	return s.refreshWith(ctx, p, s.removeIneligible, true)
}

// refreshWith is the refresh with its ineligible part done by ineligible.
// It answers every removal when listAll; otherwise (a caller that keeps
// none) the overage's only as far as the owners' summary names them.
func (s *Store) refreshWith(ctx context.Context, p *AddOnPurchase, ineligible func(context.Context, *AddOnPurchase) ([]Removal, error), listAll bool) ([]Removal, error) {
	gone, err := ineligible(ctx, p)
	if err != nil {
		return nil, err
	}
	over, err := s.reconcileOverage(ctx, p, listAll)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	p.LastAssignedUsersRefreshedAt = &now
	err = s.q(ctx).Model(&AddOnPurchase{}).Where("id = ?", p.ID).Update("last_assigned_users_refreshed_at", now).Error
	if err != nil {
		return nil, err
	}
	// A larger quantity frees seats for the queue (seat_requests.go).
	_, err = s.fillFreedSeats(ctx, p)
	return append(gone, over...), err
}

// RefreshSeats runs the refresh of one purchase in its own transaction,
// unguarded; the refresh job and a subscription sync run
// RefreshSeatsGuarded (refresh.go).
func (s *Store) RefreshSeats(ctx context.Context, purchaseID int64) ([]Removal, error) {
	var out []Removal
	err := s.Tx(ctx, func(tx *Store) error {
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		out, err = tx.refreshInTx(ctx, p)
		return err
	})
	return out, err
}

// PreviewQuantityChange is what setting p's quantity would remove: the
// refresh a change runs, ineligible users first, then overage, by the same
// queries the removal uses.
func (s *Store) PreviewQuantityChange(ctx context.Context, p *AddOnPurchase, quantity int) ([]Removal, error) {
	gone, err := s.IneligibleRemovals(ctx, p)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(gone))
	for i, r := range gone {
		ids[i] = r.UserID
	}
	over, err := s.overageRemovals(ctx, p, quantity, ids)
	return append(gone, over...), err
}

// ExpiredRemovalsDue lists purchases whose grace has run out on today.
func (s *Store) expiredPurchaseIDs(ctx context.Context, today Date) ([]int64, error) {
	var ids []int64
	cutoff := today.AddDays(-ExpiryGraceDays)
	err := s.q(ctx).Model(&AddOnPurchase{}).Where("expires_on < ?", cutoff).
		Where("EXISTS (SELECT 1 FROM seat_assignments sa WHERE sa.add_on_purchase_id = add_on_purchases.id)").
		Order("id").Pluck("id", &ids).Error
	return ids, err
}

// CleanupExpired deletes the assignments of purchases that expired more
// than 28 days before today (a purchase renewed in time keeps them).
func (s *Store) CleanupExpired(ctx context.Context, today Date) (map[int64][]Removal, error) {
	ids, err := s.expiredPurchaseIDs(ctx, today)
	if err != nil {
		return nil, err
	}
	out := map[int64][]Removal{}
	for _, id := range ids {
		err := s.Tx(ctx, func(tx *Store) error {
			p, _, err := tx.lockPurchase(ctx, id)
			if err != nil {
				return err
			}
			if !p.ExpiresOn.Before(today.AddDays(-ExpiryGraceDays)) {
				return nil // renewed meanwhile
			}
			var rs []Removal
			if err := tx.q(ctx).Table("seat_assignments AS sa").Joins("JOIN users u ON u.id = sa.user_id").
				Select("u.id AS user_id, u.username, u.name, u.email").Where("sa.add_on_purchase_id = ?", p.ID).
				Order("sa.id").Scan(&rs).Error; err != nil {
				return err
			}
			for i := range rs {
				rs[i].Reason = ReasonExpired
			}
			out[id] = rs
			return tx.applyRemovals(ctx, p, rs)
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// InGrace reports whether p has expired but still keeps its assignments.
func (p *AddOnPurchase) InGrace(today Date) bool {
	return !today.Before(p.ExpiresOn) && !p.ExpiresOn.Before(today.AddDays(-ExpiryGraceDays))
}
