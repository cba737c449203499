package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The provisioning order's rules are the Store's: a known add-on not
// already on the subscription, no more seats than it has, a term of 12,
// 24 or 36 months, and what any purchase needs (the plan).
func TestValidateOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		today := models.Today()
		sub, err := s.CreateSubscription(ctx, tester, models.SelfManaged, models.SubscriptionInput{Name: "A-S1", Plan: models.PlanPremium,
			Seats: 50, StartsOn: today.AddDays(-1), EndsOn: today.AddDays(365)})
		if err != nil {
			t.Fatal(err)
		}
		check := func(o models.Order, want map[string]string) models.PurchaseInput {
			t.Helper()
			in, errs, err := s.ValidateOrder(ctx, models.SelfManaged, sub, o, today)
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) != len(want) {
				t.Fatalf("%+v: errors %v, want %v", o, errs, want)
			}
			for field, prefix := range want {
				if got := errs[field]; len(got) < len(prefix) || got[:len(prefix)] != prefix {
					t.Fatalf("%+v: %s: %q, want %q…", o, field, got, prefix)
				}
			}
			return in
		}
		in := check(models.Order{AddOn: models.AddOnDuoPro, Quantity: 20, TermMonths: 24}, nil)
		if in.ExpiresOn != models.DateOf(today.AddDate(0, 24, 0)) || *in.StartedAt != today || in.PurchaseXID != "A-S1" {
			t.Fatalf("purchase %+v", in)
		}
		check(models.Order{AddOn: "duo_ultra", Quantity: 20, TermMonths: 12}, map[string]string{"add_on": "choose GitLab Duo Pro"})
		check(models.Order{AddOn: models.AddOnDuoPro, Quantity: 51, TermMonths: 12}, map[string]string{"quantity": ""})
		check(models.Order{AddOn: models.AddOnDuoPro, Quantity: 20, TermMonths: 18}, map[string]string{"term": "choose 12, 24 or 36 months"})
		check(models.Order{AddOn: models.AddOnDuoEnterprise, Quantity: 20, TermMonths: 12}, map[string]string{"add_on": "GitLab Duo Enterprise needs an Ultimate plan"})
		if _, err := s.CreatePurchase(ctx, tester, models.SelfManaged, in); err != nil {
			t.Fatal(err)
		}
		check(models.Order{AddOn: models.AddOnDuoPro, Quantity: 20, TermMonths: 12}, map[string]string{"add_on": "GitLab Duo Pro is already on this subscription"})
	})
}
