package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The mass-removal guard: an automated run (rule sync, LDAP sync, the
// ineligible-users job) that would remove more than a purchase's limits
// removes nothing; the run is kept with its full diff until a person
// approves or discards it (seat_sync_runs.go). Overage and expiry keep
// GitLab's contract and are not held.

// RemovalGuard is a purchase's limits: a run may remove at most
// MaxPercent % of the assigned seats and at most MaxSeats seats.
type RemovalGuard struct {
	MaxPercent int `json:"max_percent"`
	MaxSeats   int `json:"max_seats"`
}

// DefaultRemovalGuard applies to purchases that set none.
var DefaultRemovalGuard = RemovalGuard{MaxPercent: 10, MaxSeats: 25}

type seatRemovalGuard struct {
	AddOnPurchaseID int64 `gorm:"primaryKey;autoIncrement:false"`
	MaxPercent      int
	MaxSeats        int
	UpdatedAt       time.Time
}

func (seatRemovalGuard) TableName() string { return "seat_removal_guards" }

// Trips tells whether removing losses of assigned seats needs a person.
func (g RemovalGuard) Trips(losses int, assigned int64) bool {
	return losses > g.MaxSeats || int64(losses)*100 > int64(g.MaxPercent)*assigned
}

// Describe says why a run of losses was held.
func (g RemovalGuard) Describe(losses int, assigned int64) string {
	if losses > g.MaxSeats {
		return fmt.Sprintf("it would remove %d seats, more than %d", losses, g.MaxSeats)
	}
	return fmt.Sprintf("it would remove %d of %d assigned seats, more than %d %%", losses, assigned, g.MaxPercent)
}

// RemovalGuardOf is the purchase's limits, the defaults when it set none.
func (s *Store) RemovalGuardOf(ctx context.Context, purchaseID int64) (RemovalGuard, error) {
	var g seatRemovalGuard
	err := s.q(ctx).Where("add_on_purchase_id = ?", purchaseID).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DefaultRemovalGuard, nil
	}
	return RemovalGuard{MaxPercent: g.MaxPercent, MaxSeats: g.MaxSeats}, err
}

// SetRemovalGuard changes the purchase's limits, audited.
func (s *Store) SetRemovalGuard(ctx context.Context, actor Actor, purchaseID int64, g RemovalGuard) error {
	errs := FieldErrors{}
	if g.MaxPercent < 0 || g.MaxPercent > 100 {
		errs.Add("max_percent", "must be between 0 and 100")
	}
	if g.MaxSeats < 0 {
		errs.Add("max_seats", "must be 0 or more")
	}
	if err := errs.OrNil(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		before, err := tx.RemovalGuardOf(ctx, p.ID)
		if err != nil || before == g {
			return err
		}
		if err := tx.q(ctx).Exec(`INSERT INTO seat_removal_guards (add_on_purchase_id, max_percent, max_seats, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (add_on_purchase_id) DO UPDATE SET max_percent = excluded.max_percent,
			max_seats = excluded.max_seats, updated_at = excluded.updated_at`, p.ID, g.MaxPercent, g.MaxSeats, time.Now().UTC()).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "seat_removal_guard_changed", TargetType: "AddOnPurchase", TargetID: p.ID,
			TargetName: string(p.AddOn), NamespaceID: p.NamespaceID,
			Details: map[string]any{"max_percent": change(before.MaxPercent, g.MaxPercent), "max_seats": change(before.MaxSeats, g.MaxSeats)}})
	})
}

// holdReason is why an automated run's diff must wait for a person, ""
// when it may go ahead.
func (s *Store) holdReason(ctx context.Context, p *AddOnPurchase, d *RuleDiff) (string, error) {
	if len(d.Holds) > 0 {
		return joinSentences(d.Holds), nil
	}
	g, err := s.RemovalGuardOf(ctx, p.ID)
	if err != nil || !g.Trips(len(d.Losses), d.AssignedBefore) {
		return "", err
	}
	return g.Describe(len(d.Losses), d.AssignedBefore), nil
}

func joinSentences(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}

// RemoveIneligibleGuarded is the ineligible-users job for one purchase:
// the seats of users who may no longer hold one go, unless there are more
// than the guard allows, when the run is held instead.
func (s *Store) RemoveIneligibleGuarded(ctx context.Context, purchaseID int64) ([]Removal, *SeatSyncRun, error) {
	var out []Removal
	var held *SeatSyncRun
	err := s.Tx(ctx, func(tx *Store) error {
		p, assigned, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		rs, err := tx.IneligibleRemovals(ctx, p)
		if err != nil {
			return err
		}
		d := ineligibleDiff(p, assigned, rs)
		reason, err := tx.holdReason(ctx, p, d)
		if err != nil {
			return err
		}
		if reason != "" {
			held, err = tx.holdRun(ctx, p, SyncKindIneligible, TriggerScheduled, d, reason)
			return err
		}
		out = rs
		return tx.applyRemovals(ctx, p, rs)
	})
	return out, held, err
}

// ineligibleDiff is the ineligible-users job's removals as a diff.
func ineligibleDiff(p *AddOnPurchase, assigned int64, rs []Removal) *RuleDiff {
	d := &RuleDiff{PurchaseID: p.ID, Quantity: p.Quantity, AssignedBefore: assigned}
	for _, r := range rs {
		d.Losses = append(d.Losses, RuleDiffUser{UserID: r.UserID, Username: r.Username, Name: r.Name, Why: ReasonText[r.Reason]})
	}
	return d
}
