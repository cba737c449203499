package models

import (
	"context"
	"fmt"
	"time"
)

// Usage snapshots: one row per purchase and day (table
// seat_usage_snapshots), so the usage insights read 90 rows however many
// seats a purchase has. The hourly usage_snapshot job writes today's row
// (seats purchased and assigned now, and the day's use so far) and brings
// yesterday's use up to date, for events that arrive late. A day the job
// never ran has no row: nothing is made up for it.

// UsageDay is one snapshot row.
type UsageDay struct {
	AddOnPurchaseID     int64 `json:"-"`
	Day                 Date  `json:"date"`
	Purchased           int64 `json:"purchased"`
	Assigned            int64 `json:"assigned"`
	Active              int64 `json:"active"`
	CodeSuggestionsUses int64 `json:"code_suggestions_uses"`
	ChatUses            int64 `json:"chat_uses"`
	OtherUses           int64 `json:"other_uses"`
}

// usageActivity is one purchase's use on one day: distinct seat holders who
// used GitLab Duo, and their uses by feature.
type usageActivity struct {
	Active, CodeSuggestions, Chat, Other int64
}

func (s *Store) dayActivity(ctx context.Context, purchaseID int64, day Date) (usageActivity, error) {
	var a usageActivity
	from, to := day.Time, day.AddDays(1).Time
	err := s.q(ctx).Raw(`SELECT count(DISTINCT e.user_id) AS active,
			COALESCE(SUM(CASE WHEN e.feature = 'code_suggestions' THEN 1 ELSE 0 END), 0) AS code_suggestions,
			COALESCE(SUM(CASE WHEN e.feature = 'duo_chat' THEN 1 ELSE 0 END), 0) AS chat,
			COALESCE(SUM(CASE WHEN e.feature NOT IN ('code_suggestions', 'duo_chat') THEN 1 ELSE 0 END), 0) AS other
		FROM duo_usage_events e
		WHERE e.user_id IN (SELECT sa.user_id FROM seat_assignments sa WHERE sa.add_on_purchase_id = ?)
			AND e.occurred_at >= ? AND e.occurred_at < ?`, purchaseID, s.usageTime(from), s.usageTime(to)).Scan(&a).Error
	return a, err
}

// SnapshotUsage writes today's row for every purchase that grants seats
// today and refreshes yesterday's use where yesterday has a row.
func (s *Store) SnapshotUsage(ctx context.Context, now time.Time) (int, error) {
	today := DateOf(now)
	var ps []AddOnPurchase
	if err := s.q(ctx).Order("id").Find(&ps).Error; err != nil {
		return 0, err
	}
	n := 0
	for i := range ps {
		p := &ps[i]
		if !p.ActiveOn(today) {
			continue
		}
		if err := s.snapshotPurchase(ctx, p, today, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Store) snapshotPurchase(ctx context.Context, p *AddOnPurchase, today Date, now time.Time) error {
	return s.Tx(ctx, func(tx *Store) error {
		assigned, err := tx.AssignedCount(ctx, p.ID)
		if err != nil {
			return err
		}
		a, err := tx.dayActivity(ctx, p.ID, today)
		if err != nil {
			return err
		}
		err = tx.q(ctx).Exec(`INSERT INTO seat_usage_snapshots (add_on_purchase_id, day, purchased, assigned, active,
				code_suggestions_uses, chat_uses, other_uses, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (add_on_purchase_id, day) DO UPDATE SET purchased = excluded.purchased, assigned = excluded.assigned,
				active = excluded.active, code_suggestions_uses = excluded.code_suggestions_uses,
				chat_uses = excluded.chat_uses, other_uses = excluded.other_uses, taken_at = excluded.taken_at`,
			p.ID, today, p.Quantity, assigned, a.Active, a.CodeSuggestions, a.Chat, a.Other, now.UTC()).Error
		if err != nil {
			return err
		}
		yesterday := today.AddDays(-1)
		y, err := tx.dayActivity(ctx, p.ID, yesterday)
		if err != nil {
			return err
		}
		return tx.q(ctx).Exec(`UPDATE seat_usage_snapshots SET active = ?, code_suggestions_uses = ?, chat_uses = ?, other_uses = ?
			WHERE add_on_purchase_id = ? AND day = ?`, y.Active, y.CodeSuggestions, y.Chat, y.Other, p.ID, yesterday).Error
	})
}

// UsageDays lists a purchase's snapshot rows from from to to (both
// included), oldest first; days without a row are absent.
func (s *Store) UsageDays(ctx context.Context, purchaseID int64, from, to Date) ([]UsageDay, error) {
	out := []UsageDay{}
	err := s.q(ctx).Table("seat_usage_snapshots").
		Select(`add_on_purchase_id, day, purchased, assigned, active, code_suggestions_uses, chat_uses, other_uses`).
		Where("add_on_purchase_id = ? AND day >= ? AND day <= ?", purchaseID, from, to).Order("day").Scan(&out).Error
	return out, err
}

func runUsageSnapshotJob(ctx context.Context, s *Store, now time.Time) (string, error) {
	n, err := s.SnapshotUsage(ctx, now)
	return fmt.Sprintf("took the usage snapshot of %d purchase(s) for %s", n, DateOf(now)), err
}
