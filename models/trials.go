package models

import (
	"context"
	"errors"
)

// TrialDays is how long a GitLab Duo trial lasts (GitLab's code: 60 days).
const TrialDays = 60

// TrialRefused says, in a sentence for people, why a trial cannot start.
type TrialRefused struct{ Reason string }

func (e *TrialRefused) Error() string { return e.Reason }

func refuseTrial(reason string) error { return &TrialRefused{Reason: reason} }

// TrialRequest starts a trial of AddOn for a top-level group (GitLab.com)
// or the instance (NamespaceID nil, self-managed); Starter gets a seat.
type TrialRequest struct {
	AddOn       AddOn
	NamespaceID *int64
	StarterID   int64
}

// trialScope is who a trial would belong to: its plan, subscription and
// the name refusals use.
type trialScope struct {
	name  string // starts a sentence: "Acme", "This instance"
	owner string // within one: "Acme", "this instance"
	plan  Plan
	sub   *Subscription
}

func (s *Store) trialScope(ctx context.Context, d Deployment, namespaceID *int64) (*trialScope, error) {
	sc := &trialScope{}
	switch {
	case d == GitLabCom && namespaceID == nil:
		return nil, refuseTrial("On GitLab.com a GitLab Duo trial belongs to a top-level group.")
	case d == GitLabCom:
		g, err := s.GroupByID(ctx, *namespaceID)
		if err != nil {
			return nil, err
		}
		if !g.TopLevel() {
			return nil, refuseTrial("A GitLab Duo trial can only be started on a top-level group.")
		}
		sc.name, sc.owner, sc.plan = g.Name, g.Name, g.Plan
	case namespaceID != nil:
		return nil, refuseTrial("On a self-managed instance a GitLab Duo trial belongs to the instance.")
	default:
		st, err := s.InstanceSettings(ctx)
		if err != nil {
			return nil, err
		}
		sc.name, sc.owner, sc.plan = "This instance", InstanceOwner, st.Plan
	}
	sub, err := s.SubscriptionFor(ctx, namespaceID)
	switch {
	case err == nil:
		sc.sub = sub
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	return sc, nil
}

// TrialCheck returns nil when the namespace (nil: the instance) may start
// a free trial of addOn, else *TrialRefused: Duo Pro needs Premium or
// Ultimate, Duo Enterprise Ultimate, the subscription (if any) must not
// have ended, and the add-on must never have been bought or tried there.
func (s *Store) TrialCheck(ctx context.Context, d Deployment, addOn AddOn, namespaceID *int64) error {
	if !addOn.Valid() {
		return refuseTrial("Choose GitLab Duo Pro or GitLab Duo Enterprise.")
	}
	sc, err := s.trialScope(ctx, d, namespaceID)
	if err != nil {
		return err
	}
	// The purchase's plan rule (CreatePurchase applies it again), in a
	// trial's words.
	if r := CheckAddOnPlan(addOn, sc.owner, sc.plan); r != nil {
		return refuseTrial("A " + addOn.Title() + " trial needs " + r.RequiredPlan() + " subscription; " + r.Owner + " has " + r.Plan.Title() + ".")
	}
	if sc.sub != nil && !Today().Before(sc.sub.EndsOn) {
		return refuseTrial("The subscription " + sc.sub.Name + " has ended, so a GitLab Duo trial cannot be started.")
	}
	ps, err := s.PurchasesFor(ctx, namespaceID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.AddOn == addOn {
			return refuseTrial(sc.name + " already had " + addOn.Title() + ". A free trial is only available once.")
		}
		// Enterprise includes everything Pro has: GitLab offers no Pro
		// trial beside it, a trial of Enterprise included.
		if addOn == AddOnDuoPro && p.AddOn == AddOnDuoEnterprise && Today().Before(p.ExpiresOn) {
			return refuseTrial(sc.name + " already has " + p.AddOn.Title() + ", which includes everything in " + addOn.Title() + ".")
		}
	}
	return nil
}

// StartTrial creates a TrialDays-long trial purchase and assigns the
// starter a seat, in one transaction: the trial never exists without the
// starter's seat. Its quantity is the subscription's seats, or without a
// subscription the number of users eligible for a seat (at least 1).
func (s *Store) StartTrial(ctx context.Context, actor Actor, d Deployment, req TrialRequest) (*AddOnPurchase, error) {
	var out *AddOnPurchase
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.lockTrialScope(ctx, req.NamespaceID); err != nil {
			return err
		}
		if err := tx.TrialCheck(ctx, d, req.AddOn, req.NamespaceID); err != nil {
			return err
		}
		sc, err := tx.trialScope(ctx, d, req.NamespaceID)
		if err != nil {
			return err
		}
		today := Today()
		in := PurchaseInput{AddOn: req.AddOn, NamespaceID: req.NamespaceID, Trial: true, StartedAt: &today,
			ExpiresOn: today.AddDays(TrialDays), PurchaseXID: "trial"}
		if sc.sub != nil {
			in.Quantity, in.PurchaseXID = sc.sub.Seats, sc.sub.Name
		} else {
			var n int64
			if err := tx.eligibleUsers(ctx, &AddOnPurchase{NamespaceID: req.NamespaceID}).Count(&n).Error; err != nil {
				return err
			}
			in.Quantity = int(max(n, 1))
		}
		// CreatePurchase and AssignSeat nest as savepoints of this transaction.
		p, err := tx.CreatePurchase(ctx, actor, d, in)
		if err != nil {
			return err
		}
		if _, err := tx.AssignSeat(ctx, actor.WithSeatReason(SeatReasonTrial), p.ID, req.StarterID); err != nil {
			var se *SeatError
			if errors.As(err, &se) && se.Code == InvalidUserMembership {
				if req.NamespaceID == nil {
					return refuseTrial("Only an active user who can hold a GitLab Duo seat can start a trial.")
				}
				return refuseTrial("Only a member of " + sc.name + " can start its GitLab Duo trial.")
			}
			return err
		}
		out = p
		return tx.Audit(ctx, actor, AuditEntry{Action: "duo_trial_started", TargetType: "AddOnPurchase", TargetID: p.ID,
			TargetName: string(p.AddOn), NamespaceID: p.NamespaceID, Details: map[string]any{"add_on": p.AddOn,
				"quantity": p.Quantity, "expires_on": p.ExpiresOn.String(), "starter_id": req.StarterID}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lockTrialScope serialises trial starts of one namespace (or the
// instance), so two clicks cannot both pass TrialCheck.
func (s *Store) lockTrialScope(ctx context.Context, namespaceID *int64) error {
	q := s.forUpdate(ctx)
	var err error
	if namespaceID == nil {
		_, err = first[InstanceSettings](q.Where("id = 1"))
	} else {
		_, err = first[Group](q.Where("id = ?", *namespaceID))
	}
	return err
}
