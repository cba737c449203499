package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// A seat as the facts carry it: on a purchase that is active or not, that
// ends on expires.
func seatOn(a models.AddOn, active bool, expires models.Date) models.SeatFact {
	return models.SeatFact{AddOn: a, Active: active, ExpiresOn: expires}
}

// Which seat decides, when a user holds several or holds one on a purchase
// that is not active: the verdict, the reason code, the texts people read,
// and the way the diagram was walked.
func TestDecideAccessSeatChoice(t *testing.T) {
	t.Parallel()
	cs := feature(t, "code_suggestions")
	rca := feature(t, "troubleshoot_job") // Duo Enterprise only
	ended := models.NewDate(2024, 3, 1)
	endedEarlier := models.NewDate(2024, 1, 10)
	withSeats := func(f models.AccessFacts, seats ...models.SeatFact) models.AccessFacts { f.Seats = seats; return f }
	withCore := func(f models.AccessFacts) models.AccessFacts { f.InstanceDuoCore = true; return f }
	pro, ent := models.AddOnDuoPro, models.AddOnDuoEnterprise
	cases := []struct {
		name    string
		facts   models.AccessFacts
		feat    models.FeatureInfo
		allowed bool
		reason  string
		tier    models.Tier
		path    string
		message string
		seatAns string // the answer to "Has Duo Pro/Enterprise license?"
	}{
		// Self-managed, the purchase is not active.
		{"SM expired Duo Pro purchase", withSeats(smFacts(), seatOn(pro, false, ended)), cs,
			false, models.ReasonPurchaseInactive, "", "A B D F > G",
			"The user's GitLab Duo Pro seat belongs to a purchase that is not active.",
			"No — the GitLab Duo Pro purchase is not active (ended Mar 01, 2024)"},
		{"SM two inactive purchases: the later one explains", withSeats(smFacts(), seatOn(ent, false, ended), seatOn(pro, false, endedEarlier)), cs,
			false, models.ReasonPurchaseInactive, "", "A B D F > G",
			"The user's GitLab Duo Enterprise seat belongs to a purchase that is not active.",
			"No — the GitLab Duo Enterprise purchase is not active (ended Mar 01, 2024)"},
		{"SM expired purchase, Duo Core on: Duo Core grants", withCore(withSeats(smFacts(), seatOn(ent, false, ended))), cs,
			true, models.ReasonAllowed, models.TierDuoCore, "A B D F H J > K",
			"Allowed through GitLab Duo Core.",
			"No — the GitLab Duo Enterprise purchase is not active (ended Mar 01, 2024)"},
		{"SM expired purchase under Always off", func() models.AccessFacts {
			f := withSeats(smFacts(), seatOn(pro, false, ended))
			f.InstanceNeverOn = true
			return f
		}(), cs, false, models.ReasonInstanceNeverOn, "", "A B > C",
			"An administrator has set GitLab Duo to Always off for this instance.", ""},

		// A Duo Pro seat asked for a Duo Enterprise feature.
		{"SM Pro seat, Enterprise feature", withSeats(smFacts(), seatOn(pro, true, farFuture)), rca,
			false, models.ReasonFeatureNotInTier, "", "A B D D1 > D2",
			"Root Cause Analysis needs a GitLab Duo Enterprise seat; the user has GitLab Duo Pro.",
			"Yes — GitLab Duo Pro (instance)"},
		{"SM Pro seat, Enterprise feature, Duo Core on: no fall-through", withCore(withSeats(smFacts(), seatOn(pro, true, farFuture))), rca,
			false, models.ReasonFeatureNotInTier, "", "A B D D1 > D2",
			"Root Cause Analysis needs a GitLab Duo Enterprise seat; the user has GitLab Duo Pro.",
			"Yes — GitLab Duo Pro (instance)"},

		// Pro and Enterprise seats: Enterprise wins, whatever the order.
		{"Pro then Enterprise, Enterprise feature", withSeats(smFacts(), seatOn(pro, true, farFuture), seatOn(ent, true, farFuture)), rca,
			true, models.ReasonAllowed, models.TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (instance)"},
		{"Enterprise then Pro, Enterprise feature", withSeats(smFacts(), seatOn(ent, true, farFuture), seatOn(pro, true, farFuture)), rca,
			true, models.ReasonAllowed, models.TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (instance)"},
		{"Pro then Enterprise, Pro feature: granted by Enterprise", withSeats(smFacts(), seatOn(pro, true, farFuture), seatOn(ent, true, farFuture)), cs,
			true, models.ReasonAllowed, models.TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (instance)"},
		{".com Pro in one group, Enterprise in another", withSeats(comFacts(),
			models.SeatFact{AddOn: pro, Namespace: "acme", Active: true, ExpiresOn: farFuture},
			models.SeatFact{AddOn: ent, Namespace: "zeta", Active: true, ExpiresOn: farFuture}), rca,
			true, models.ReasonAllowed, models.TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (zeta)"},

		// An active seat next to one on an expired purchase: the active one
		// decides, and the expired one is not the reason.
		{"expired Enterprise next to active Pro, Pro feature", withSeats(smFacts(), seatOn(ent, false, ended), seatOn(pro, true, farFuture)), cs,
			true, models.ReasonAllowed, models.TierDuoPro, "A B D R1 > RC",
			"Allowed through GitLab Duo Pro.", "Yes — GitLab Duo Pro (instance)"},
		{"expired Enterprise next to active Pro, Enterprise feature", withSeats(smFacts(), seatOn(ent, false, ended), seatOn(pro, true, farFuture)), rca,
			false, models.ReasonFeatureNotInTier, "", "A B D D1 > D2",
			"Root Cause Analysis needs a GitLab Duo Enterprise seat; the user has GitLab Duo Pro.",
			"Yes — GitLab Duo Pro (instance)"},
		{"active Pro next to a later-ending expired Pro", withSeats(smFacts(), seatOn(pro, true, farFuture), seatOn(pro, false, ended)), cs,
			true, models.ReasonAllowed, models.TierDuoPro, "A B D R1 > RC",
			"Allowed through GitLab Duo Pro.", "Yes — GitLab Duo Pro (instance)"},
		{"active Enterprise after an expired Pro", withSeats(smFacts(), seatOn(pro, false, ended), seatOn(ent, true, farFuture)), rca,
			true, models.ReasonAllowed, models.TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (instance)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := models.DecideAccess(tc.facts, tc.feat, models.ContextIDE)
			if d.Allowed != tc.allowed || d.Reason != tc.reason || d.Tier != tc.tier {
				t.Errorf("allowed=%v reason=%s tier=%q, want %v %s %q", d.Allowed, d.Reason, d.Tier, tc.allowed, tc.reason, tc.tier)
			}
			if d.Message != tc.message {
				t.Errorf("message %q\n         want %q", d.Message, tc.message)
			}
			if got := nodes(d); got != tc.path {
				t.Errorf("path %s, want %s", got, tc.path)
			}
			if tc.seatAns != "" {
				if got := answerAt(d, "D"); got != tc.seatAns {
					t.Errorf("seat answer %q, want %q", got, tc.seatAns)
				}
			}
			wantOutcome := "Cannot use GitLab Duo"
			if tc.allowed {
				wantOutcome = "Can use GitLab Duo"
			}
			if d.Outcome != wantOutcome {
				t.Errorf("outcome %q, want %q", d.Outcome, wantOutcome)
			}
		})
	}
}

// answerAt is the answer given at a node of the decision's path.
func answerAt(d models.Decision, node string) string {
	for _, s := range d.Path {
		if s.Node == node {
			return s.Answer
		}
	}
	return ""
}

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
		decide := func(feat string) models.Decision {
			t.Helper()
			f, err := s.AccessFacts(ctx, models.SelfManaged, dev, models.ResourceRef{Kind: models.ResourceNone})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Seats) != 2 {
				t.Fatalf("%d seats in the facts, want both", len(f.Seats))
			}
			return models.DecideAccess(f, feature(t, feat), models.ContextIDE)
		}
		check := func(step, feat string, allowed bool, reason string, tier models.Tier, message string) {
			t.Helper()
			d := decide(feat)
			if d.Allowed != allowed || d.Reason != reason || d.Tier != tier || d.Message != message {
				t.Errorf("%s, %s: allowed=%v reason=%s tier=%q message=%q\n want allowed=%v reason=%s tier=%q message=%q",
					step, feat, d.Allowed, d.Reason, d.Tier, d.Message, allowed, reason, tier, message)
			}
		}
		today := models.Today()

		check("both active", "troubleshoot_job", true, models.ReasonAllowed, models.TierDuoEnterprise, "Allowed through GitLab Duo Enterprise.")
		check("both active", "code_suggestions", true, models.ReasonAllowed, models.TierDuoEnterprise, "Allowed through GitLab Duo Enterprise.")

		// Enterprise expires today (expires_on <= today is expired): Pro
		// still grants its own features, not Enterprise's.
		dates(ent, nil, today)
		check("Enterprise expired today", "code_suggestions", true, models.ReasonAllowed, models.TierDuoPro, "Allowed through GitLab Duo Pro.")
		check("Enterprise expired today", "troubleshoot_job", false, models.ReasonFeatureNotInTier, "",
			"Root Cause Analysis needs a GitLab Duo Enterprise seat; the user has GitLab Duo Pro.")

		// Pro has not started yet: no active purchase is left.
		tomorrow := today.AddDays(1)
		dates(pro, &tomorrow, today.AddDays(300))
		check("Pro not started, Enterprise expired", "code_suggestions", false, models.ReasonPurchaseInactive, "",
			"The user's GitLab Duo Pro seat belongs to a purchase that is not active.")

		// Pro ended yesterday, Enterprise today: the later end explains.
		dates(pro, nil, today.AddDays(-1))
		check("both expired", "code_suggestions", false, models.ReasonPurchaseInactive, "",
			"The user's GitLab Duo Enterprise seat belongs to a purchase that is not active.")

		// Renewed: active again.
		dates(ent, nil, today.AddDays(1))
		check("Enterprise renewed", "troubleshoot_job", true, models.ReasonAllowed, models.TierDuoEnterprise, "Allowed through GitLab Duo Enterprise.")
	})
}
