package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// SeatEvent is one ledger row, with the user's name.
type SeatEvent struct {
	ID              int64
	AddOnPurchaseID int64
	UserID          int64
	Username        string
	Event           string // SeatGained or SeatLost
	Reason          string
	RuleID          *int64
	ActorID         *int64
	ActorName       string
	CreatedAt       time.Time
}

// SeatEventFilter narrows a purchase's ledger; empty fields keep all.
type SeatEventFilter struct {
	Username string
	Reason   string
	From     *time.Time // created_at >= From
	To       *time.Time // created_at < To
}

// SeatEvents is a page of a purchase's ledger, newest first.
func (s *Store) SeatEvents(ctx context.Context, purchaseID int64, f SeatEventFilter, page Page) (Paged[SeatEvent], error) {
	// Any size the API allows (1 to 100), not only the screens' choices.
	page.Number = min(max(page.Number, 1), MaxPageNumber)
	if page.PerPage < 1 || page.PerPage > 100 {
		page.PerPage = PerPageChoices[0]
	}
	out := Paged[SeatEvent]{Items: []SeatEvent{}, Page: page.Number, PerPage: page.PerPage}
	q, err := s.seatEventQuery(ctx, purchaseID, f)
	if errors.Is(err, errNoMatch) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err = q.Joins("LEFT JOIN users u ON u.id = e.user_id").Select(seatEventColumns).
		Order("e.created_at DESC, e.id DESC").Offset((page.Number - 1) * page.PerPage).Limit(page.PerPage).Scan(&out.Items).Error
	return out, err
}

const seatEventColumns = "e.id, e.add_on_purchase_id, e.user_id, COALESCE(u.username, '') AS username, e.event, e.reason, e.rule_id, e.actor_id, e.actor_name, e.created_at"

// seatEventQuery is the purchase's filtered ledger; errNoMatch when the
// filter names a user that does not exist.
func (s *Store) seatEventQuery(ctx context.Context, purchaseID int64, f SeatEventFilter) (*gorm.DB, error) {
	q := s.q(ctx).Table("seat_events AS e").Where("e.add_on_purchase_id = ?", purchaseID)
	if f.Username != "" {
		u, err := s.UserByUsername(ctx, f.Username)
		if errors.Is(err, ErrNotFound) {
			return nil, errNoMatch
		}
		if err != nil {
			return nil, err
		}
		q = q.Where("e.user_id = ?", u.ID)
	}
	if f.Reason != "" {
		q = q.Where("e.reason = ?", f.Reason)
	}
	if f.From != nil {
		q = q.Where("e.created_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("e.created_at < ?", f.To.UTC())
	}
	return q, nil
}

// SeatEventExportBatch is how many ledger rows EachSeatEvent holds at once.
const SeatEventExportBatch = 1000

// EachSeatEvent streams the purchase's filtered ledger in the screen's
// order (newest first), SeatEventExportBatch rows at a time, each batch
// found by keyset after the last row of the one before (not OFFSET, which
// rereads every skipped row), so an export of any size holds one batch.
func (s *Store) EachSeatEvent(ctx context.Context, purchaseID int64, f SeatEventFilter, fn func(*SeatEvent) error) error {
	var last *SeatEvent
	for {
		q, err := s.seatEventQuery(ctx, purchaseID, f)
		if errors.Is(err, errNoMatch) {
			return nil
		}
		if err != nil {
			return err
		}
		if last != nil {
			at := last.CreatedAt.UTC()
			q = q.Where("e.created_at < ? OR (e.created_at = ? AND e.id < ?)", at, at, last.ID)
		}
		rows := make([]SeatEvent, 0, SeatEventExportBatch)
		err = q.Joins("LEFT JOIN users u ON u.id = e.user_id").Select(seatEventColumns).
			Order("e.created_at DESC, e.id DESC").Limit(SeatEventExportBatch).Scan(&rows).Error
		if err != nil {
			return err
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < SeatEventExportBatch {
			return nil
		}
		last = &rows[len(rows)-1]
	}
}

// UserSeatEvents is a user's ledger across purchases, newest first, at
// most limit rows.
func (s *Store) UserSeatEvents(ctx context.Context, userID int64, limit int) ([]SeatEvent, error) {
	out := []SeatEvent{}
	err := s.q(ctx).Table("seat_events AS e").Joins("LEFT JOIN users u ON u.id = e.user_id").
		Select("e.id, e.add_on_purchase_id, e.user_id, COALESCE(u.username, '') AS username, e.event, e.reason, e.rule_id, e.actor_id, e.actor_name, e.created_at").
		Where("e.user_id = ?", userID).Order("e.created_at DESC, e.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// SeatHoldersOn lists, by id, the users who held a seat of the purchase
// at some moment of day (UTC), from the ledger: those whose last event
// before the day was a gain, and those who gained one during it.
func (s *Store) SeatHoldersOn(ctx context.Context, purchaseID int64, day Date) ([]int64, error) {
	start, end := day.Time, day.AddDays(1).Time
	ids := []int64{}
	err := s.q(ctx).Raw(`WITH last AS (
			SELECT user_id, event, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY created_at DESC, id DESC) AS rn
			FROM seat_events WHERE add_on_purchase_id = ? AND created_at < ?)
		SELECT user_id FROM last WHERE rn = 1 AND event = ?
		UNION
		SELECT user_id FROM seat_events WHERE add_on_purchase_id = ? AND created_at >= ? AND created_at < ? AND event = ?
		ORDER BY user_id`, purchaseID, start, SeatGained, purchaseID, start, end, SeatGained).Scan(&ids).Error
	return ids, err
}

// UserSeatHistory is a page of the user's ledger in the scope of
// UserSeats, newest first: a GitLab.com group page sees its top-level
// group's purchases, a self-managed group page the instance's, the admin
// area every purchase's (also of purchases since deleted).
func (s *Store) UserSeatHistory(ctx context.Context, sc UserDuoScope, userID int64, page Page) (Paged[SeatEvent], error) {
	page = page.normalized()
	out := Paged[SeatEvent]{Items: []SeatEvent{}, Page: page.Number, PerPage: page.PerPage}
	q := s.q(ctx).Table("seat_events AS e").Where("e.user_id = ?", userID)
	switch {
	case sc.RootID != nil:
		q = q.Where("e.add_on_purchase_id IN (?)", s.q(ctx).Model(&AddOnPurchase{}).Select("id").Where("namespace_id = ?", *sc.RootID))
	case sc.GroupPage:
		q = q.Where("e.add_on_purchase_id IN (?)", s.q(ctx).Model(&AddOnPurchase{}).Select("id").Where("namespace_id IS NULL"))
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := q.Joins("LEFT JOIN users u ON u.id = e.user_id").
		Select("e.id, e.add_on_purchase_id, e.user_id, COALESCE(u.username, '') AS username, e.event, e.reason, e.rule_id, e.actor_id, e.actor_name, e.created_at").
		Order("e.created_at DESC, e.id DESC").Offset(page.Offset()).Limit(page.PerPage).Scan(&out.Items).Error
	return out, err
}
