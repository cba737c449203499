package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The mass-removal guard: an automated run (rule sync, LDAP sync, the
// ineligible-users job, the provisioning refresh's ineligible part) that
// would remove more than a purchase's limits removes nothing; the run is
// kept with its full diff until a person approves or discards it
// (seat_sync_runs.go). Overage and expiry keep GitLab's contract and are
// not held.
//
// The limits hold for the run's removals together with the seats the
// purchase's guarded runs removed within the window before it: 30 leavers
// one at a time are 30 runs of one removal each, and the run that crosses
// the limit is held like one run of 30 would be. A person's approval
// starts the count again (they saw and said yes).

// RemovalGuard is a purchase's limits: automated runs may remove at most
// MaxPercent % of the assigned seats and at most MaxSeats seats within
// WindowHours (0: each run counted alone).
type RemovalGuard struct {
	MaxPercent  int `json:"max_percent"`
	MaxSeats    int `json:"max_seats"`
	WindowHours int `json:"window_hours"`
}

// DefaultRemovalGuard applies to purchases that set none.
var DefaultRemovalGuard = RemovalGuard{MaxPercent: 10, MaxSeats: 25, WindowHours: DefaultRemovalWindowHours}

// DefaultRemovalWindowHours: a day, so the hourly sync, the 4-hourly
// refresh and the 12-hourly ineligible-users job all fall in one window.
const DefaultRemovalWindowHours = 24

// MaxRemovalWindowHours: a held run's lifetime, the longest a person is
// expected to take to look.
const MaxRemovalWindowHours = 7 * 24

type seatRemovalGuard struct {
	AddOnPurchaseID int64 `gorm:"primaryKey;autoIncrement:false"`
	MaxPercent      int
	MaxSeats        int
	WindowHours     int
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

// TripsWithin is Trips for a run's losses after recent seats removed by
// automated runs in the window: those are counted with the run's, and
// against the seats assigned before them.
func (g RemovalGuard) TripsWithin(losses, recent int, assigned int64) bool {
	return losses > 0 && g.Trips(losses+recent, assigned+int64(recent))
}

// DescribeWithin is Describe for a run held by TripsWithin.
func (g RemovalGuard) DescribeWithin(losses, recent int, assigned int64) string {
	if recent == 0 {
		return g.Describe(losses, assigned)
	}
	with := fmt.Sprintf("with the %d removed automatically in the last %s, ", recent, hoursText(g.WindowHours))
	if losses+recent > g.MaxSeats {
		return fmt.Sprintf("it would remove %d seats; %s%d, more than %d", losses, with, losses+recent, g.MaxSeats)
	}
	return fmt.Sprintf("it would remove %d seats; %s%d of %d assigned seats, more than %d %%", losses, with,
		losses+recent, assigned+int64(recent), g.MaxPercent)
}

func hoursText(h int) string {
	if h == 1 {
		return "hour"
	}
	return fmt.Sprintf("%d hours", h)
}

// RemovalGuardOf is the purchase's limits, the defaults when it set none.
func (s *Store) RemovalGuardOf(ctx context.Context, purchaseID int64) (RemovalGuard, error) {
	var g seatRemovalGuard
	err := s.q(ctx).Where("add_on_purchase_id = ?", purchaseID).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DefaultRemovalGuard, nil
	}
	return RemovalGuard{MaxPercent: g.MaxPercent, MaxSeats: g.MaxSeats, WindowHours: g.WindowHours}, err
}

// RecentGuardedRemovals is how many seats the purchase's guarded runs
// removed (applied without a person's approval) within g's window before
// now, after the purchase's latest approved run.
func (s *Store) RecentGuardedRemovals(ctx context.Context, purchaseID int64, g RemovalGuard, now time.Time) (int, error) {
	if g.WindowHours <= 0 {
		return 0, nil
	}
	since := now.UTC().Add(-time.Duration(g.WindowHours) * time.Hour)
	var n int
	err := s.q(ctx).Raw(`SELECT COALESCE(SUM(r.losses), 0) FROM seat_sync_runs r
		WHERE r.add_on_purchase_id = ? AND r.status = ? AND r.guarded = ? AND r.created_at >= ? AND NOT EXISTS (
			SELECT 1 FROM seat_sync_runs a WHERE a.add_on_purchase_id = r.add_on_purchase_id AND a.status = ? AND a.decided_at >= r.created_at)`,
		purchaseID, RunApplied, true, since, RunApproved).Scan(&n).Error
	return n, err
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
	if g.WindowHours < 0 || g.WindowHours > MaxRemovalWindowHours {
		errs.Add("window_hours", fmt.Sprintf("must be between 0 and %d", MaxRemovalWindowHours))
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
		if err := tx.q(ctx).Exec(`INSERT INTO seat_removal_guards (add_on_purchase_id, max_percent, max_seats, window_hours, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (add_on_purchase_id) DO UPDATE SET max_percent = excluded.max_percent,
			max_seats = excluded.max_seats, window_hours = excluded.window_hours, updated_at = excluded.updated_at`,
			p.ID, g.MaxPercent, g.MaxSeats, g.WindowHours, time.Now().UTC()).Error; err != nil {
			return err
		}
		details := map[string]any{"max_percent": change(before.MaxPercent, g.MaxPercent), "max_seats": change(before.MaxSeats, g.MaxSeats)}
		if before.WindowHours != g.WindowHours {
			details["window_hours"] = change(before.WindowHours, g.WindowHours)
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "seat_removal_guard_changed", TargetType: "AddOnPurchase", TargetID: p.ID,
			TargetName: string(p.AddOn), NamespaceID: p.NamespaceID, Details: details})
	})
}

// holdReason is why an automated run's diff must wait for a person, ""
// when it may go ahead: its losses count with the purchase's recent
// guarded removals (RecentGuardedRemovals).
func (s *Store) holdReason(ctx context.Context, p *AddOnPurchase, d *RuleDiff) (string, error) {
	if len(d.Holds) > 0 {
		return joinSentences(d.Holds), nil
	}
	if len(d.Losses) == 0 {
		return "", nil
	}
	g, err := s.RemovalGuardOf(ctx, p.ID)
	if err != nil {
		return "", err
	}
	recent, err := s.RecentGuardedRemovals(ctx, p.ID, g, time.Now())
	if err != nil || !g.TripsWithin(len(d.Losses), recent, d.AssignedBefore) {
		return "", err
	}
	return g.DescribeWithin(len(d.Losses), recent, d.AssignedBefore), nil
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
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		out, held, err = tx.removeIneligibleGuarded(ctx, p, TriggerScheduled)
		return err
	})
	return out, held, err
}

// removeIneligibleGuarded removes the ineligible users' seats of p (locked
// by the caller) or holds them; an applied run is recorded as guarded, so
// later runs count its removals. Its seats are audited by applyRemovals.
func (tx *Store) removeIneligibleGuarded(ctx context.Context, p *AddOnPurchase, trigger string) ([]Removal, *SeatSyncRun, error) {
	assigned, err := tx.AssignedCount(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	rs, err := tx.IneligibleRemovals(ctx, p)
	if err != nil || len(rs) == 0 {
		return nil, nil, err
	}
	d := ineligibleDiff(p, assigned, rs)
	reason, err := tx.holdReason(ctx, p, d)
	if err != nil {
		return nil, nil, err
	}
	if reason != "" {
		held, err := tx.holdRun(ctx, p, SyncKindIneligible, trigger, d, reason)
		return nil, held, err
	}
	if err := tx.applyRemovals(ctx, p, rs); err != nil {
		return nil, nil, err
	}
	_, err = tx.insertRun(ctx, p, SyncKindIneligible, trigger, d, true)
	return rs, nil, err
}

// ineligibleDiff is the ineligible-users job's removals as a diff.
func ineligibleDiff(p *AddOnPurchase, assigned int64, rs []Removal) *RuleDiff {
	d := &RuleDiff{PurchaseID: p.ID, Quantity: p.Quantity, AssignedBefore: assigned}
	for _, r := range rs {
		d.Losses = append(d.Losses, RuleDiffUser{UserID: r.UserID, Username: r.Username, Name: r.Name, Why: ReasonText[r.Reason]})
	}
	return d
}
