package models

import (
	"context"
	"strings"
	"time"
)

func (s *Store) SubscriptionByName(ctx context.Context, name string) (*Subscription, error) {
	return first[Subscription](s.q(ctx).Where("name = ?", strings.TrimSpace(name)))
}

// SubscriptionFor is the plan subscription of a namespace (nil: the instance).
func (s *Store) SubscriptionFor(ctx context.Context, namespaceID *int64) (*Subscription, error) {
	q := s.q(ctx)
	if namespaceID == nil {
		q = q.Where("namespace_id IS NULL")
	} else {
		q = q.Where("namespace_id = ?", *namespaceID)
	}
	return first[Subscription](q)
}

func (s *Store) ListSubscriptions(ctx context.Context, search string, page Page) (Paged[Subscription], error) {
	page = page.normalized()
	q := s.q(ctx).Model(&Subscription{})
	if search = strings.TrimSpace(search); search != "" {
		q = q.Where("lower(name) LIKE ? ESCAPE '\\'", "%"+likeEscape(strings.ToLower(search))+"%")
	}
	out := Paged[Subscription]{Page: page.Number, PerPage: page.PerPage}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := q.Order("name").Offset(page.Offset()).Limit(page.PerPage).Find(&out.Items).Error
	return out, err
}

type SubscriptionInput struct {
	NamespaceID *int64
	Name        string
	Plan        Plan
	Seats       int
	StartsOn    Date
	EndsOn      Date
}

// CreateSubscription records the plan subscription (GitLab.com: of a
// top-level group; self-managed: of the instance) and sets the plan.
func (s *Store) CreateSubscription(ctx context.Context, actor Actor, d Deployment, in SubscriptionInput) (*Subscription, error) {
	in.Name = strings.TrimSpace(in.Name)
	errs := FieldErrors{}
	if in.Name == "" || len(in.Name) > 255 {
		errs.Add("name", "can't be blank (at most 255 characters)")
	}
	if in.Plan != PlanPremium && in.Plan != PlanUltimate {
		errs.Add("plan", "must be premium or ultimate")
	}
	if in.Seats < 1 {
		errs.Add("seats", "must be a whole number of at least 1")
	}
	if !in.StartsOn.Before(in.EndsOn) {
		errs.Add("ends_on", "must be after the start date")
	}
	var g *Group
	switch {
	case d == GitLabCom && in.NamespaceID == nil:
		errs.Add("namespace", "must be a top-level group on GitLab.com")
	case d == GitLabCom:
		var err error
		if g, err = s.GroupByID(ctx, *in.NamespaceID); err != nil || !g.TopLevel() {
			errs.Add("namespace", "must be a top-level group")
		}
	case in.NamespaceID != nil:
		errs.Add("namespace", "must be empty on self-managed: the subscription is the instance's")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sub := &Subscription{NamespaceID: in.NamespaceID, Name: in.Name, Plan: in.Plan, Seats: in.Seats, StartsOn: in.StartsOn, EndsOn: in.EndsOn}
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.SubscriptionByName(ctx, in.Name); err == nil {
			return FieldErrors{"name": "has already been taken"}
		}
		if _, err := tx.SubscriptionFor(ctx, in.NamespaceID); err == nil {
			return FieldErrors{"namespace": "already has a subscription"}
		}
		if err := tx.q(ctx).Create(sub).Error; err != nil {
			return err
		}
		if g != nil {
			if err := tx.q(ctx).Model(&Group{}).Where("id = ?", g.ID).Update("plan", in.Plan).Error; err != nil {
				return err
			}
		} else if err := tx.q(ctx).Model(&InstanceSettings{}).Where("id = 1").Update("plan", in.Plan).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "subscription_created", TargetType: "Subscription", TargetID: sub.ID,
			TargetName: sub.Name, NamespaceID: in.NamespaceID, Details: map[string]any{"plan": in.Plan, "seats": in.Seats,
				"starts_on": in.StartsOn.String(), "ends_on": in.EndsOn.String()}})
	})
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// ErrMoreSeatsThanSubscription: Duo seats cannot exceed the plan's seats.
var ErrMoreSeatsThanSubscription = Message("GitLab Duo seats cannot exceed the subscription's seats")

// AddSeats raises a purchase's quantity, never past its subscription's seats.
func (s *Store) AddSeats(ctx context.Context, actor Actor, purchaseID int64, more int) (*AddOnPurchase, error) {
	if more < 1 {
		return nil, FieldErrors{"seats": "must be a whole number of at least 1"}
	}
	p, err := s.PurchaseByID(ctx, purchaseID)
	if err != nil {
		return nil, err
	}
	sub, err := s.SubscriptionFor(ctx, p.NamespaceID)
	if err == nil && p.Quantity+more > sub.Seats {
		return nil, FieldErrors{"seats": ErrMoreSeatsThanSubscription.Error() + " (" + itoa(int64(sub.Seats)) + ")"}
	}
	q := p.Quantity + more
	return s.UpdatePurchase(ctx, actor, purchaseID, PurchaseUpdate{Quantity: &q})
}

// MarkSynced records a "Synchronize subscription".
func (s *Store) MarkSynced(ctx context.Context, actor Actor, sub *Subscription) error {
	now := time.Now().UTC()
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&Subscription{}).Where("id = ?", sub.ID).Update("last_synced_at", now).Error; err != nil {
			return err
		}
		sub.LastSyncedAt = &now
		return tx.Audit(ctx, actor, AuditEntry{Action: "subscription_synchronized", TargetType: "Subscription",
			TargetID: sub.ID, TargetName: sub.Name, NamespaceID: sub.NamespaceID})
	})
}
