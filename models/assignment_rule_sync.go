package models

import (
	"context"
	"errors"
	"slices"
)

// Applying a purchase's assignment rules. Every path (a rule change, Sync
// now, the hourly sync, a membership change through the queue, the API)
// plans with planRules and writes with applyRuleDiff in one transaction
// with the purchase locked, so a preview shows what the sync then does and
// two app instances never assign one seat twice.

// RuleSyncResult is what a sync did: Diff applied, except that when Held
// is set its losses were not (the guard kept them for a person).
type RuleSyncResult struct {
	Diff *RuleDiff
	Held *SeatSyncRun
}

// planAll plans the purchase's own rules for every user.
func (s *Store) planAll(ctx context.Context, p *AddOnPurchase, acceptEmpty bool) (*RuleDiff, error) {
	rules, err := s.AssignmentRules(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return s.planRules(ctx, p, planInput{rules: rules, acceptEmpty: acceptEmpty})
}

// applyRuleDiff writes a plan: seats lost and gained, each with a ledger
// row of reason rule and the rule's id, set-based per rule.
func (tx *Store) applyRuleDiff(ctx context.Context, actor Actor, p *AddOnPurchase, d *RuleDiff) error {
	losses, gains := map[int64][]int64{}, map[int64][]int64{}
	for _, l := range d.Losses {
		losses[l.RuleID] = append(losses[l.RuleID], l.UserID)
	}
	for _, g := range d.Gains {
		gains[g.RuleID] = append(gains[g.RuleID], g.UserID)
	}
	for _, rid := range sortedRuleIDs(losses) {
		if err := tx.RemoveSeats(ctx, d.ruleActor(actor, rid), p, losses[rid], true); err != nil {
			return err
		}
	}
	for _, rid := range sortedRuleIDs(gains) {
		// The seats carry the rule's id from the insert (the actor's RuleID).
		if err := tx.insertAssignments(ctx, d.ruleActor(actor, rid), p, gains[rid], false); err != nil {
			return err
		}
	}
	for _, rid := range sortedRuleIDs(d.ldapCounts) {
		if err := tx.q(ctx).Model(&AssignmentRule{}).Where("id = ?", rid).Update("ldap_member_count", d.ldapCounts[rid]).Error; err != nil {
			return err
		}
	}
	return nil
}

// syncInTx plans and applies; guarded (automated runs) holds the losses
// when the guard trips or a directory did not answer. Gains still go, into
// the seats that are free without the held losses: a newcomer does not
// wait days for a decision about leavers. The held run's diff lists them
// as gains already applied (GainsApplied); those that needed a held seat
// lead its waiting list, and approving gives them the seats it frees.
func (tx *Store) syncInTx(ctx context.Context, actor Actor, p *AddOnPurchase, in planInput, trigger string, guarded bool) (*RuleSyncResult, error) {
	d, err := tx.planRules(ctx, p, in)
	if err != nil {
		return nil, err
	}
	if guarded {
		reason, err := tx.holdReason(ctx, p, d)
		if err != nil {
			return nil, err
		}
		if reason != "" && in.only != nil {
			// A held run is reviewed whole: plan every user.
			in.only = nil
			return tx.syncInTx(ctx, actor, p, in, trigger, guarded)
		}
		if reason != "" {
			partial, held := d.splitHeld(p)
			run, err := tx.holdRun(ctx, p, SyncKindRules, trigger, held, reason)
			if err != nil {
				return nil, err
			}
			if err := tx.applyRuleDiff(ctx, actor, p, partial); err != nil {
				return nil, err
			}
			return &RuleSyncResult{Diff: held, Held: run}, tx.recordRunGuarded(ctx, actor, p, SyncKindRules, trigger, partial, true)
		}
	}
	if err := tx.applyRuleDiff(ctx, actor, p, d); err != nil {
		return nil, err
	}
	if !guarded {
		// A person previewed it (Sync now, a rule change on the screen):
		// its removals are not counted in the guard's window.
		return &RuleSyncResult{Diff: d}, tx.recordRun(ctx, actor, p, SyncKindRules, trigger, d)
	}
	return &RuleSyncResult{Diff: d}, tx.recordRunGuarded(ctx, actor, p, SyncKindRules, trigger, d, true)
}

// splitHeld splits a diff the guard holds into what is applied now (the
// gains that fit in the seats free without the held losses) and the held
// run's diff: every loss, the gains applied (marked so), and the gains
// that wait for the losses ahead of the rest of the waiting list.
func (d *RuleDiff) splitHeld(p *AddOnPurchase) (partial, held *RuleDiff) {
	free := max(int64(p.Quantity)-d.AssignedBefore, 0)
	n := min(int64(len(d.Gains)), free)
	applied := d.Gains[:n:n]
	partial = &RuleDiff{PurchaseID: d.PurchaseID, Quantity: d.Quantity, AssignedBefore: d.AssignedBefore, Matching: d.Matching,
		Gains: applied, ldapRules: d.ldapRules}
	h := *d
	h.Gains, h.GainsApplied = applied, true
	h.Waiting = append(slices.Clone(d.Gains[n:]), d.Waiting...)
	h.ldapCounts = nil
	return partial, &h
}

// PreviewRuleSync is the diff Sync now would apply.
func (s *Store) PreviewRuleSync(ctx context.Context, purchaseID int64) (*RuleDiff, error) {
	p, err := s.PurchaseByID(ctx, purchaseID)
	if err != nil {
		return nil, err
	}
	return s.planAll(ctx, p, false)
}

// SyncRules applies a purchase's rules to every user. guarded is for runs
// no person looked at first (the hourly sync, the API).
func (s *Store) SyncRules(ctx context.Context, actor Actor, purchaseID int64, trigger string, guarded bool) (*RuleSyncResult, error) {
	var out *RuleSyncResult
	err := s.Tx(ctx, func(tx *Store) error {
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		rules, err := tx.AssignmentRules(ctx, p.ID)
		if err != nil {
			return err
		}
		out, err = tx.syncInTx(ctx, actor, p, planInput{rules: rules}, trigger, guarded)
		return err
	})
	return out, err
}

// Rule change operations.
const (
	RuleCreate = "create"
	RuleUpdate = "update"
	RuleDelete = "delete"
)

// RuleChange is a rule to create, update (RuleID) or delete (RuleID).
type RuleChange struct {
	Op     string
	RuleID int64
	Input  RuleInput
}

// RuleChangeResult is the rule as saved (nil when deleted) and the sync.
type RuleChangeResult struct {
	Rule *AssignmentRule
	RuleSyncResult
}

// errPreview rolls a preview's transaction back.
var errPreview = errors.New("preview")

// PreviewRuleChange is the diff ChangeRule would apply: the same change in
// a transaction that is rolled back, so preview and change cannot differ.
func (s *Store) PreviewRuleChange(ctx context.Context, actor Actor, purchaseID int64, ch RuleChange) (*RuleDiff, error) {
	var out *RuleDiff
	err := s.Tx(ctx, func(tx *Store) error {
		p, rules, deleted, err := tx.changeRules(ctx, actor, purchaseID, ch)
		if err != nil {
			return err
		}
		if out, err = tx.planRules(ctx, p, planInput{rules: rules, deleted: deleted}); err != nil {
			return err
		}
		return errPreview
	})
	if errors.Is(err, errPreview) {
		err = nil
	}
	return out, err
}

// ChangeRule creates, updates or deletes a rule and applies the rules at
// once, audited, in one transaction. guarded holds mass removals (API
// calls, which no person previewed).
func (s *Store) ChangeRule(ctx context.Context, actor Actor, purchaseID int64, ch RuleChange, guarded bool) (*RuleChangeResult, error) {
	out := &RuleChangeResult{}
	err := s.Tx(ctx, func(tx *Store) error {
		p, rules, deleted, err := tx.changeRules(ctx, actor, purchaseID, ch)
		if err != nil {
			return err
		}
		for i := range rules {
			if ch.Op != RuleDelete && (rules[i].ID == ch.RuleID || (ch.RuleID == 0 && i == len(rules)-1)) {
				out.Rule = &rules[i]
			}
		}
		res, err := tx.syncInTx(ctx, actor, p, planInput{rules: rules, deleted: deleted}, TriggerRuleChange, guarded)
		if err != nil {
			return err
		}
		out.RuleSyncResult = *res
		return nil
	})
	return out, err
}

// changeRules writes the change (in the caller's transaction) and returns
// the purchase locked, its rules after the change and the deleted rule.
func (tx *Store) changeRules(ctx context.Context, actor Actor, purchaseID int64, ch RuleChange) (*AddOnPurchase, []AssignmentRule, []AssignmentRule, error) {
	p, _, err := tx.lockPurchase(ctx, purchaseID)
	if err != nil {
		return nil, nil, nil, err
	}
	var deleted []AssignmentRule
	switch ch.Op {
	case RuleCreate:
		r, err := tx.ruleFromInput(ctx, p, ch.Input)
		if err != nil {
			return nil, nil, nil, err
		}
		if err := tx.saveRule(ctx, actor, p, r, nil); err != nil {
			return nil, nil, nil, err
		}
	case RuleUpdate:
		before, err := tx.AssignmentRule(ctx, p.ID, ch.RuleID)
		if err != nil {
			return nil, nil, nil, err
		}
		r, err := tx.ruleFromInput(ctx, p, ch.Input)
		if err != nil {
			return nil, nil, nil, err
		}
		r.ID, r.CreatedAt, r.LDAPMemberCount = before.ID, before.CreatedAt, before.LDAPMemberCount
		if err := tx.saveRule(ctx, actor, p, r, before); err != nil {
			return nil, nil, nil, err
		}
	case RuleDelete:
		r, err := tx.AssignmentRule(ctx, p.ID, ch.RuleID)
		if err != nil {
			return nil, nil, nil, err
		}
		if err := tx.deleteRule(ctx, actor, p, r); err != nil {
			return nil, nil, nil, err
		}
		deleted = []AssignmentRule{*r}
	default:
		return nil, nil, nil, errors.New("unknown rule change " + ch.Op)
	}
	rules, err := tx.AssignmentRules(ctx, p.ID)
	return p, rules, deleted, err
}

// CountRuleMatches is how many eligible users the rule in alone matches,
// for the form's live count.
func (s *Store) CountRuleMatches(ctx context.Context, purchaseID int64, in RuleInput) (int, error) {
	p, err := s.PurchaseByID(ctx, purchaseID)
	if err != nil {
		return 0, err
	}
	r, err := s.ruleFromInput(ctx, p, in)
	if err != nil {
		return 0, err
	}
	matched := map[int64]ruleMatch{}
	d := &RuleDiff{ldapCounts: map[int64]int{}}
	if err := s.matchRule(ctx, p, r, planInput{acceptEmpty: true}, nil, d, matched); err != nil {
		return 0, err
	}
	if len(d.Holds) > 0 {
		return 0, Message(d.Holds[0])
	}
	return len(matched), nil
}
