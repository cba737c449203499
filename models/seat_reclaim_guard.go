package models

import (
	"context"
	"slices"
)

// The mass-removal guard over reclaims: a reclaim run whose due seats are
// more than the purchase's guard allows (seat_removal_guard.go) removes
// nothing and is kept as a held run of kind reclaim, shown and decided
// with the other held runs (seat_sync_runs.go). The notices stay, so the
// next daily run holds again (the one held run's diff is replaced) until a
// person decides.

// SyncKindReclaim is the reclaim job's held runs.
const SyncKindReclaim = "reclaim"

// holdReclaims keeps due as a held run when the guard trips on it; nil
// when the reclaims may go ahead.
func (tx *Store) holdReclaims(ctx context.Context, p *AddOnPurchase, assigned int64, due []Removal) (*SeatSyncRun, error) {
	d := ineligibleDiff(p, assigned, due)
	reason, err := tx.holdReason(ctx, p, d)
	if err != nil || reason == "" {
		return nil, err
	}
	return tx.holdRun(ctx, p, SyncKindReclaim, TriggerScheduled, d, reason)
}

// approveReclaimRun re-computes a held reclaim run for today and applies
// it: of the seats it held, those still due go — a holder who used GitLab
// Duo since (or was excluded, or lost the seat otherwise) keeps theirs.
// Seats that became due since were not shown to the person approving and
// wait for the next daily run.
func (tx *Store) approveReclaimRun(ctx context.Context, actor Actor, p *AddOnPurchase, run *SeatSyncRun) (ApproveResult, error) {
	old, err := run.ParsedDiff()
	if err != nil {
		return ApproveResult{}, err
	}
	due, err := tx.dueReclaims(ctx, p, Today())
	if err != nil {
		return ApproveResult{}, err
	}
	held := map[int64]bool{}
	for _, l := range old.Losses {
		held[l.UserID] = true
	}
	due = slices.DeleteFunc(due, func(r Removal) bool { return !held[r.UserID] })
	assigned, err := tx.AssignedCount(ctx, p.ID)
	if err != nil {
		return ApproveResult{}, err
	}
	out := ApproveResult{Applied: true, Diff: ineligibleDiff(p, assigned, due)}
	if err := tx.removeReclaimed(ctx, p, due); err != nil {
		return out, err
	}
	return out, tx.decideRun(ctx, actor, p, run, RunApproved, "seat_sync_approved")
}

// dueReclaims are the seats whose notice date has come by today, for the
// notice of their current idleness, under the purchase's policy (none
// when it is off).
func (tx *Store) dueReclaims(ctx context.Context, p *AddOnPurchase, today Date) ([]Removal, error) {
	pol, err := tx.ReclaimPolicyOf(ctx, p.ID)
	if err != nil || !pol.Enabled {
		return nil, err
	}
	cands, err := tx.reclaimCandidates(ctx, p, pol, today.AddDays(-pol.IdleDays))
	if err != nil {
		return nil, err
	}
	var due []Removal
	for _, c := range cands {
		if c.validNotice() && !today.Before(*c.NoticeReclaimOn) {
			due = append(due, Removal{UserID: c.UserID, Username: c.Username, Name: c.Name, Email: c.Email, Reason: ReasonIdleReclaimed})
		}
	}
	return due, nil
}

// HeldReclaimRuns are the purchase's held reclaim runs, for the reclaim
// screen's mention of them.
func (s *Store) HeldReclaimRuns(ctx context.Context, purchaseID int64) ([]SeatSyncRun, error) {
	var rs []SeatSyncRun
	err := s.q(ctx).Where("add_on_purchase_id = ? AND kind = ? AND status = ?", purchaseID, SyncKindReclaim, RunHeld).
		Order("id DESC").Find(&rs).Error
	return rs, err
}
