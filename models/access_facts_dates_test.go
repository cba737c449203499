package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/storetest"
)

// The same choices from the database: a self-managed Ultimate instance
// whose user holds a Duo Pro and a Duo Enterprise seat, and the purchases'
// dates change under them. The facts say which purchase is active; the
// decision picks the seat.
func TestAccessFactsSelfManagedPurchaseDates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		db, _ := s.SQLDB()
		if _, err := db.Exec("UPDATE instance_settings SET plan = 'ultimate'"); err != nil {
			t.Fatal(err)
		}
		dev := mkUser(t, s, "dev", models.StateActive, false)
		buy := func(a models.AddOn) *models.AddOnPurchase {
			p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: a, Quantity: 5,
				ExpiresOn: models.Today().AddDays(300)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AssignSeat(ctx, tester, p.ID, dev.ID); err != nil {
				t.Fatal(err)
			}
			return p
		}
		pro, ent := buy(models.AddOnDuoPro), buy(models.AddOnDuoEnterprise)
		dates := func(p *models.AddOnPurchase, started *models.Date, expires models.Date) {
			t.Helper()
			var start any
			if started != nil {
				start = started.String()
			}
			if _, err := db.Exec("UPDATE add_on_purchases SET started_at = $1, expires_on = $2 WHERE id = $3", start, expires.String(), p.ID); err != nil {
				t.Fatal(err)
			}
		}
		decide := func(feat string) access.Decision {
			t.Helper()
			f, err := s.AccessFacts(ctx, models.SelfManaged, dev, models.ResourceRef{Kind: access.ResourceNone})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Seats) != 2 {
				t.Fatalf("%d seats in the facts, want both", len(f.Seats))
			}
			feature, ok := access.FeatureByID(feat)
			if !ok {
				t.Fatalf("no feature %s", feat)
			}
			return access.Decide(f, feature, access.ContextIDE)
		}
		check := func(step, feat string, allowed bool, reason string, tier access.Tier, message string) {
			t.Helper()
			d := decide(feat)
			if d.Allowed != allowed || d.Reason != reason || d.Tier != tier || d.Message != message {
				t.Errorf("%s, %s: allowed=%v reason=%s tier=%q message=%q\n want allowed=%v reason=%s tier=%q message=%q",
					step, feat, d.Allowed, d.Reason, d.Tier, d.Message, allowed, reason, tier, message)
			}
		}
		today := models.Today()

		check("both active", "troubleshoot_job", true, access.ReasonAllowed, access.TierDuoEnterprise, "Allowed through GitLab Duo Enterprise.")
		check("both active", "code_suggestions", true, access.ReasonAllowed, access.TierDuoEnterprise, "Allowed through GitLab Duo Enterprise.")

		// Enterprise expires today (expires_on <= today is expired): Pro
		// still grants its own features, not Enterprise's.
		dates(ent, nil, today)
		check("Enterprise expired today", "code_suggestions", true, access.ReasonAllowed, access.TierDuoPro, "Allowed through GitLab Duo Pro.")
		check("Enterprise expired today", "troubleshoot_job", false, access.ReasonFeatureNotInTier, "",
			"Root Cause Analysis needs a GitLab Duo Enterprise seat; the user has GitLab Duo Pro.")

		// Pro has not started yet: no active purchase is left.
		tomorrow := today.AddDays(1)
		dates(pro, &tomorrow, today.AddDays(300))
		check("Pro not started, Enterprise expired", "code_suggestions", false, access.ReasonPurchaseInactive, "",
			"The user's GitLab Duo Pro seat belongs to a purchase that is not active.")

		// Pro ended yesterday, Enterprise today: the later end explains.
		dates(pro, nil, today.AddDays(-1))
		check("both expired", "code_suggestions", false, access.ReasonPurchaseInactive, "",
			"The user's GitLab Duo Enterprise seat belongs to a purchase that is not active.")

		// Renewed: active again.
		dates(ent, nil, today.AddDays(1))
		check("Enterprise renewed", "troubleshoot_job", true, access.ReasonAllowed, access.TierDuoEnterprise, "Allowed through GitLab Duo Enterprise.")
	})
}
