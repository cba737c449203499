package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Seat sync runs: the automated runs that changed seats, and those the
// guard held for a person to approve or discard.

// Run kinds.
const (
	SyncKindRules      = "rules"      // assignment rules, LDAP groups included
	SyncKindIneligible = "ineligible" // the ineligible-users job
)

// Run triggers.
const (
	TriggerScheduled  = "scheduled"   // the hourly full sync, the jobs
	TriggerMembership = "membership"  // a membership or user change (the queue)
	TriggerSyncNow    = "sync_now"    // a person's Sync now
	TriggerRuleChange = "rule_change" // a rule created, changed or deleted
	TriggerAPI        = "api"
	TriggerRefresh    = "refresh" // the provisioning refresh (its job, a subscription sync)
)

// Run statuses.
const (
	RunApplied   = "applied"
	RunHeld      = "held"
	RunApproved  = "approved"
	RunDiscarded = "discarded"
	RunExpired   = "expired"
)

// HeldRunLifetime: a held run not decided within it expires (removing nothing).
const HeldRunLifetime = 7 * 24 * time.Hour

// SeatSyncRun is one recorded run.
type SeatSyncRun struct {
	ID              int64
	AddOnPurchaseID int64
	Kind            string
	Trigger         string
	Status          string
	Gains           int
	Losses          int
	Waiting         int
	HoldReason      string
	Diff            string
	CreatedAt       time.Time
	ExpiresAt       *time.Time
	DecidedAt       *time.Time
	DecidedByID     *int64
	DecidedByName   string
	// Guarded: no person previewed the run; its applied losses count in
	// the guard's window (RecentGuardedRemovals).
	Guarded bool
}

// ParsedDiff is the run's diff.
func (r *SeatSyncRun) ParsedDiff() (*RuleDiff, error) {
	var d RuleDiff
	err := json.Unmarshal([]byte(r.Diff), &d)
	return &d, err
}

// HeldRuns lists a purchase's runs waiting for a person, newest first.
func (s *Store) HeldRuns(ctx context.Context, purchaseID int64) ([]SeatSyncRun, error) {
	var rs []SeatSyncRun
	err := s.q(ctx).Where("add_on_purchase_id = ? AND status = ?", purchaseID, RunHeld).Order("id DESC").Find(&rs).Error
	return rs, err
}

// SeatSyncRun is one run of a purchase; ErrNotFound for another's.
func (s *Store) SeatSyncRun(ctx context.Context, purchaseID, runID int64) (*SeatSyncRun, error) {
	return first[SeatSyncRun](s.q(ctx).Where("id = ? AND add_on_purchase_id = ?", runID, purchaseID))
}

func diffCounts(d *RuleDiff) (string, int, int, int) {
	b, _ := json.Marshal(d)
	return string(b), len(d.Gains), len(d.Losses), len(d.Waiting)
}

// recordRun keeps an applied run that changed seats, audited.
func (tx *Store) recordRun(ctx context.Context, actor Actor, p *AddOnPurchase, kind, trigger string, d *RuleDiff) error {
	return tx.recordRunGuarded(ctx, actor, p, kind, trigger, d, false)
}

// insertRun keeps an applied run; guarded ones count in the guard's window.
func (tx *Store) insertRun(ctx context.Context, p *AddOnPurchase, kind, trigger string, d *RuleDiff, guarded bool) (*SeatSyncRun, error) {
	diff, g, l, w := diffCounts(d)
	run := SeatSyncRun{AddOnPurchaseID: p.ID, Kind: kind, Trigger: trigger, Status: RunApplied, Gains: g, Losses: l, Waiting: w,
		Diff: diff, CreatedAt: time.Now().UTC(), Guarded: guarded}
	return &run, tx.q(ctx).Create(&run).Error
}

// recordRunGuarded is recordRun for a run the guard checked (guarded) or
// a person previewed.
func (tx *Store) recordRunGuarded(ctx context.Context, actor Actor, p *AddOnPurchase, kind, trigger string, d *RuleDiff, guarded bool) error {
	if d.Empty() {
		return nil
	}
	run, err := tx.insertRun(ctx, p, kind, trigger, d, guarded)
	if err != nil {
		return err
	}
	g, l, w := run.Gains, run.Losses, run.Waiting
	return tx.Audit(ctx, actor, AuditEntry{Action: "seat_sync_applied", TargetType: "AddOnPurchase", TargetID: p.ID,
		TargetName: string(p.AddOn), NamespaceID: p.NamespaceID,
		Details: map[string]any{"add_on_purchase_id": p.ID, "kind": kind, "trigger": trigger, "run_id": run.ID,
			"gains": g, "losses": l, "waiting": w}})
}

// holdRun keeps a run the guard stopped. One held run per purchase and
// kind: a later run that would hold again replaces its diff (the owners
// were told already); a new one mails them.
func (tx *Store) holdRun(ctx context.Context, p *AddOnPurchase, kind, trigger string, d *RuleDiff, reason string) (*SeatSyncRun, error) {
	now := time.Now().UTC()
	diff, g, l, w := diffCounts(d)
	var existing []SeatSyncRun
	if err := tx.q(ctx).Where("add_on_purchase_id = ? AND kind = ? AND status = ?", p.ID, kind, RunHeld).Order("id").Find(&existing).Error; err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		run := existing[0]
		run.Gains, run.Losses, run.Waiting, run.Diff, run.HoldReason = g, l, w, diff, reason
		err := tx.q(ctx).Model(&run).Select("gains", "losses", "waiting", "diff", "hold_reason").Updates(&run).Error
		return &run, err
	}
	expires := now.Add(HeldRunLifetime)
	run := SeatSyncRun{AddOnPurchaseID: p.ID, Kind: kind, Trigger: trigger, Status: RunHeld, Gains: g, Losses: l, Waiting: w,
		HoldReason: reason, Diff: diff, CreatedAt: now, ExpiresAt: &expires, Guarded: true}
	if err := tx.q(ctx).Create(&run).Error; err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, Automation, AuditEntry{Action: "seat_sync_held", TargetType: "AddOnPurchase", TargetID: p.ID,
		TargetName: string(p.AddOn), NamespaceID: p.NamespaceID,
		Details: map[string]any{"add_on_purchase_id": p.ID, "kind": kind, "trigger": trigger, "run_id": run.ID,
			"losses": l, "reason": reason}}); err != nil {
		return nil, err
	}
	return &run, tx.mailHeldRun(ctx, p, &run)
}

// mailHeldRun tells the purchase's owners (GitLab.com) or the
// administrators (self-managed) that a run waits for them.
func (tx *Store) mailHeldRun(ctx context.Context, p *AddOnPurchase, run *SeatSyncRun) error {
	to, err := tx.removalRecipients(ctx, p)
	if err != nil || len(to) == 0 {
		return err
	}
	link := tx.opts.BaseURL + "/admin/gitlab_duo/assignment_rules"
	if p.NamespaceID != nil {
		g, err := tx.GroupByID(ctx, *p.NamespaceID)
		if err != nil {
			return err
		}
		link = tx.opts.BaseURL + "/groups/" + g.FullPath + "/-/settings/gitlab_duo/assignment_rules"
	}
	subject := fmt.Sprintf("Held: a %s seat sync would remove %d seats", p.AddOn.Title(), run.Losses)
	body := fmt.Sprintf("GitLab Duo automation held a seat sync of %s: %s.\n\nNothing was removed. Review the %d seat(s) it would remove "+
		"and approve or discard it within 7 days: %s\n", p.AddOn.Title(), run.HoldReason, run.Losses, link)
	for _, addr := range to {
		if err := tx.QueueEmail(ctx, OutboxEmail{ToAddress: addr, Subject: subject, TextBody: body, Kind: "seat_sync_held"}); err != nil {
			return err
		}
	}
	return nil
}

// ApproveResult: Applied, or the run's diff changed since it was held and
// is shown again (Diff) for another look.
type ApproveResult struct {
	Applied bool
	Diff    *RuleDiff
}

// ErrRunExpired: a held run is decided within HeldRunLifetime.
var ErrRunExpired error = Message("This held sync expired; a new sync will hold again if it still removes too many seats.")

// ApproveRun re-computes a held run: when it still removes the same seats
// it is applied, whatever the guard says; otherwise the new diff is kept
// and returned to be looked at again.
func (s *Store) ApproveRun(ctx context.Context, actor Actor, purchaseID, runID int64) (ApproveResult, error) {
	var out ApproveResult
	err := s.Tx(ctx, func(tx *Store) error {
		p, run, err := tx.lockHeldRun(ctx, purchaseID, runID)
		if err != nil {
			return err
		}
		if run.Kind == SyncKindReclaim {
			out, err = tx.approveReclaimRun(ctx, actor, p, run)
			return err
		}
		old, err := run.ParsedDiff()
		if err != nil {
			return err
		}
		var d *RuleDiff
		var rs []Removal
		if run.Kind == SyncKindIneligible {
			if rs, err = tx.IneligibleRemovals(ctx, p); err != nil {
				return err
			}
			assigned, err := tx.AssignedCount(ctx, p.ID)
			if err != nil {
				return err
			}
			d = ineligibleDiff(p, assigned, rs)
		} else if d, err = tx.planAll(ctx, p, true); err != nil {
			return err
		}
		out.Diff = d
		if !slices.Equal(d.lossIDs(), old.lossIDs()) {
			diff, g, l, w := diffCounts(d)
			return tx.q(ctx).Model(run).Updates(map[string]any{"diff": diff, "gains": g, "losses": l, "waiting": w}).Error
		}
		out.Applied = true
		if run.Kind == SyncKindIneligible {
			err = tx.applyRemovals(ctx, p, rs)
		} else {
			err = tx.applyRuleDiff(ctx, actor, p, d)
		}
		if err != nil {
			return err
		}
		return tx.decideRun(ctx, actor, p, run, RunApproved, "seat_sync_approved")
	})
	return out, err
}

// DiscardRun drops a held run: nothing is removed.
func (s *Store) DiscardRun(ctx context.Context, actor Actor, purchaseID, runID int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		p, run, err := tx.lockHeldRun(ctx, purchaseID, runID)
		if err != nil {
			return err
		}
		return tx.decideRun(ctx, actor, p, run, RunDiscarded, "seat_sync_discarded")
	})
}

// lockHeldRun locks the purchase (runs of it are decided one at a time)
// and reads a run still held; an expired one is marked so.
func (tx *Store) lockHeldRun(ctx context.Context, purchaseID, runID int64) (*AddOnPurchase, *SeatSyncRun, error) {
	p, _, err := tx.lockPurchase(ctx, purchaseID)
	if err != nil {
		return nil, nil, err
	}
	run, err := tx.SeatSyncRun(ctx, purchaseID, runID)
	if err != nil {
		return nil, nil, err
	}
	if run.Status != RunHeld {
		return nil, nil, Message("This sync was already " + run.Status + ".")
	}
	if run.ExpiresAt != nil && time.Now().After(*run.ExpiresAt) {
		return nil, nil, ErrRunExpired
	}
	return p, run, nil
}

func (tx *Store) decideRun(ctx context.Context, actor Actor, p *AddOnPurchase, run *SeatSyncRun, status, action string) error {
	now := time.Now().UTC()
	var by *int64
	if actor.ID != 0 {
		by = &actor.ID
	}
	if err := tx.q(ctx).Model(run).Updates(map[string]any{"status": status, "decided_at": now, "decided_by_id": by,
		"decided_by_name": actor.Username}).Error; err != nil {
		return err
	}
	return tx.Audit(ctx, actor, AuditEntry{Action: action, TargetType: "AddOnPurchase", TargetID: p.ID,
		TargetName: string(p.AddOn), NamespaceID: p.NamespaceID,
		Details: map[string]any{"add_on_purchase_id": p.ID, "kind": run.Kind, "run_id": run.ID, "losses": run.Losses}})
}

// ExpireHeldRuns marks held runs past their lifetime expired (nothing is
// removed) and returns how many.
func (s *Store) ExpireHeldRuns(ctx context.Context, now time.Time) (int64, error) {
	res := s.q(ctx).Model(&SeatSyncRun{}).Where("status = ? AND expires_at < ?", RunHeld, now.UTC()).
		Updates(map[string]any{"status": RunExpired, "decided_at": now.UTC(), "decided_by_name": Automation.Username})
	return res.RowsAffected, res.Error
}
