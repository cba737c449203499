package models

import (
	"context"
	"encoding/json"
	"time"
)

// Seat events reach webhooks through the outbox: the seat change's
// transaction queues one delivery per hook, listing the ledger rows the
// change wrote, so a delivery exists exactly when the change committed.
// Sending happens afterwards (SendDueWebHooks); a hook that fails or
// cannot be reached never holds up or rolls back the change.

// WebHookEventSeats is the event name of seat event deliveries (header
// X-Duoadmin-Event and the payload's event_name).
const (
	WebHookEventSeats = "seat_events"
	WebHookEventTest  = "test"
)

// SeatHookPayload is the JSON body of a seat_events delivery.
type SeatHookPayload struct {
	ObjectKind    string          `json:"object_kind"`
	EventName     string          `json:"event_name"`
	AddOnPurchase HookPurchase    `json:"add_on_purchase"`
	Count         int             `json:"count"`
	SeatEvents    []HookSeatEvent `json:"seat_events"`
}

// HookPurchase names the purchase the seats belong to.
type HookPurchase struct {
	ID        int64   `json:"id"`
	AddOn     string  `json:"add_on"`
	Namespace *string `json:"namespace"` // the top-level group's path; null: the instance's
}

// HookSeatEvent is one ledger row.
type HookSeatEvent struct {
	ID              int64     `json:"id"`
	AddOnPurchaseID int64     `json:"add_on_purchase_id"`
	UserID          int64     `json:"user_id"`
	Username        string    `json:"username"`
	Event           string    `json:"event"`
	Reason          string    `json:"reason"`
	RuleID          *int64    `json:"rule_id"`
	Actor           string    `json:"actor"`
	CreatedAt       time.Time `json:"created_at"`
}

type hookTarget struct {
	ID  int64
	URL string `gorm:"column:url"`
}

// seatHooks are the hooks a purchase's seat events go to: every system
// hook, and its top-level group's.
func (s *Store) seatHooks(ctx context.Context, purchaseID int64) ([]hookTarget, error) {
	var hs []hookTarget
	err := s.q(ctx).Table("web_hooks").Select("id, url").
		Where("namespace_id IS NULL OR namespace_id = (SELECT namespace_id FROM add_on_purchases WHERE id = ?)", purchaseID).
		Order("id").Scan(&hs).Error
	return hs, err
}

// withSeatHooks runs write, a seat change of the purchase that writes
// ledger rows, and queues one delivery per hook with the rows it wrote.
// Without hooks it costs one indexed query. Call it in the transaction.
func (s *Store) withSeatHooks(ctx context.Context, purchaseID int64, write func() error) error {
	hooks, err := s.seatHooks(ctx, purchaseID)
	if err != nil {
		return err
	}
	if len(hooks) == 0 {
		return write()
	}
	// The rows write adds are those after the newest one now; the purchase
	// is locked by the change, so no other change of it interleaves.
	var mark int64
	if err := s.q(ctx).Raw(`SELECT COALESCE(MAX(id), 0) FROM seat_events`).Scan(&mark).Error; err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	return s.queueSeatHooks(ctx, purchaseID, mark, hooks)
}

func (s *Store) queueSeatHooks(ctx context.Context, purchaseID, afterID int64, hooks []hookTarget) error {
	var rows []HookSeatEvent
	err := s.q(ctx).Table("seat_events AS e").Joins("LEFT JOIN users u ON u.id = e.user_id").
		Select("e.id, e.add_on_purchase_id, e.user_id, COALESCE(u.username, '') AS username, e.event, e.reason, e.rule_id, e.actor_name AS actor, e.created_at").
		Where("e.add_on_purchase_id = ? AND e.id > ?", purchaseID, afterID).Order("e.id").Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return err
	}
	p, err := first[AddOnPurchase](s.q(ctx).Where("id = ?", purchaseID))
	if err != nil {
		return err
	}
	hp := HookPurchase{ID: p.ID, AddOn: string(p.AddOn)}
	if p.NamespaceID != nil {
		var path string
		if err := s.q(ctx).Table("namespaces").Where("id = ?", *p.NamespaceID).Pluck("full_path", &path).Error; err != nil {
			return err
		}
		hp.Namespace = &path
	}
	for i := range rows {
		rows[i].CreatedAt = rows[i].CreatedAt.UTC()
	}
	body, err := json.Marshal(SeatHookPayload{ObjectKind: WebHookEventSeats, EventName: WebHookEventSeats,
		AddOnPurchase: hp, Count: len(rows), SeatEvents: rows})
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if err := s.queueHookDelivery(ctx, h, WebHookEventSeats, string(body)); err != nil {
			return err
		}
	}
	return nil
}

// queueHookDelivery writes one delivery to the outbox: the hook, the event
// name in subject, the JSON body in text_body.
func (s *Store) queueHookDelivery(ctx context.Context, h hookTarget, event, body string) error {
	now := time.Now().UTC()
	return s.q(ctx).Exec(`INSERT INTO email_outbox (to_address, subject, text_body, html_body, kind, attempts, last_error, next_attempt_at, created_at, web_hook_id)
		VALUES (?, ?, ?, '', 'web_hook', 0, '', ?, ?, ?)`, redactedURL(h.URL), event, body, now, now, h.ID).Error
}
