package models

import (
	"context"
	"errors"
	"time"
)

// HealthFacts loads what the health check reads for the instance (g nil)
// or a top-level group. SMTPConfigured and Links are the caller's to set.
func (s *Store) HealthFacts(ctx context.Context, d Deployment, g *Group, now time.Time) (HealthFacts, error) {
	f := HealthFacts{Deployment: d, Group: g, Now: now}
	var ps []AddOnPurchase
	var err error
	switch {
	case g != nil:
		f.Plan, f.DuoCore = g.Plan, g.DuoCoreFeaturesEnabled
		st, err := s.GroupDuo(ctx, g)
		if err != nil {
			return f, err
		}
		f.NeverOn = st.Resolution.Availability() == NeverOn
		if ps, err = s.PurchasesFor(ctx, &g.ID); err != nil {
			return f, err
		}
	case d == GitLabCom:
		// The refresh job is instance-wide: every group's purchases.
		if err = s.q(ctx).Where("namespace_id IS NOT NULL").Order("id").Find(&ps).Error; err != nil {
			return f, err
		}
	default:
		st, err := s.InstanceSettings(ctx)
		if err != nil {
			return f, err
		}
		f.Plan, f.DuoCore = st.Plan, st.DuoCoreFeaturesEnabled
		f.NeverOn = InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) == NeverOn
		if ps, err = s.PurchasesFor(ctx, nil); err != nil {
			return f, err
		}
		sub, err := s.SubscriptionFor(ctx, nil)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return f, err
		}
		f.Subscription = sub
	}
	if err := s.healthPurchases(ctx, d, &f, ps); err != nil {
		return f, err
	}
	return f, s.outboxHealth(ctx, &f)
}

func (s *Store) healthPurchases(ctx context.Context, d Deployment, f *HealthFacts, ps []AddOnPurchase) error {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	counts, err := s.AssignedCounts(ctx, ids)
	if err != nil {
		return err
	}
	for _, p := range ps {
		hp := HealthPurchase{AddOnPurchase: p, Assigned: counts[p.ID]}
		if !(d == GitLabCom && f.Group == nil) {
			if refusal := CheckAddOnPlan(p.AddOn, "", f.Plan); refusal != nil {
				hp.PlanError = refusal.Needs()
			}
		}
		f.Purchases = append(f.Purchases, hp)
	}
	return nil
}

// outboxHealth counts unsent mail, and unsent mail that already failed (a
// first attempt in flight has no error yet and does not count).
func (s *Store) outboxHealth(ctx context.Context, f *HealthFacts) error {
	if err := s.q(ctx).Model(&OutboxEmail{}).Where("web_hook_id IS NULL AND sent_at IS NULL").Count(&f.PendingEmails).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Model(&OutboxEmail{}).Where("web_hook_id IS NULL AND sent_at IS NULL AND attempts > 0 AND last_error <> ''").Count(&f.FailingEmails).Error; err != nil {
		return err
	}
	if f.FailingEmails == 0 {
		return nil
	}
	var last []string
	err := s.q(ctx).Model(&OutboxEmail{}).Where("web_hook_id IS NULL AND sent_at IS NULL AND attempts > 0 AND last_error <> ''").
		Order("id DESC").Limit(1).Pluck("last_error", &last).Error
	if len(last) > 0 {
		f.LastEmailError = last[0]
	}
	return err
}
