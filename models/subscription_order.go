package models

import (
	"context"
	"fmt"
	"slices"
)

// OrderTerms are the terms, in months, an add-on is ordered for on a
// subscription (the provisioning order form's choices).
var OrderTerms = []int{12, 24, 36}

// Order is an add-on ordered on a subscription: which, how many seats,
// for how long. Quantity 0 means the form's value was not a number (its
// error is the caller's).
type Order struct {
	AddOn      AddOn
	Quantity   int
	TermMonths int
}

// ValidateOrder checks an order placed today on sub and returns the
// purchase it would create: a known add-on, not already on the
// subscription (add seats or renew it instead), no more seats than the
// subscription has, one of the terms, and what every purchase needs
// (ValidatePurchase: the plan, the namespace).
func (s *Store) ValidateOrder(ctx context.Context, d Deployment, sub *Subscription, o Order, today Date) (PurchaseInput, FieldErrors, error) {
	errs := FieldErrors{}
	in := PurchaseInput{AddOn: o.AddOn, NamespaceID: sub.NamespaceID, Quantity: o.Quantity, StartedAt: &today,
		ExpiresOn: DateOf(today.AddDate(0, o.TermMonths, 0)), PurchaseXID: sub.Name}
	if !o.AddOn.Valid() {
		errs.Add("add_on", "choose GitLab Duo Pro or GitLab Duo Enterprise")
	}
	if o.Quantity > sub.Seats {
		errs.Add("quantity", fmt.Sprintf("%s (%d)", ErrMoreSeatsThanSubscription, sub.Seats))
	}
	if !slices.Contains(OrderTerms, o.TermMonths) {
		errs.Add("term", "choose 12, 24 or 36 months")
	}
	if o.AddOn.Valid() {
		existing, err := s.PurchasesFor(ctx, sub.NamespaceID)
		if err != nil {
			return in, nil, err
		}
		for _, p := range existing {
			if p.AddOn == o.AddOn {
				errs.Add("add_on", o.AddOn.Title()+" is already on this subscription: add seats or renew it instead")
			}
		}
		for field, msg := range s.ValidatePurchase(ctx, d, in) {
			if field == "add_on" || field == "namespace" {
				errs.Add(field, msg)
			}
		}
	}
	return in, errs, nil
}
