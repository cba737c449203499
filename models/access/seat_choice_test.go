package access

import (
	"testing"
	"time"
)

// A seat as the facts carry it: on a purchase that is active or not, that
// ends on expires.
func seatOn(a Tier, active bool, expires time.Time) Seat {
	return Seat{Tier: a, Active: active, ExpiresOn: expires}
}

// Which seat decides, when a user holds several or holds one on a purchase
// that is not active: the verdict, the reason code, the texts people read,
// and the way the diagram was walked.
func TestDecideAccessSeatChoice(t *testing.T) {
	t.Parallel()
	cs := feature(t, "code_suggestions")
	rca := feature(t, "troubleshoot_job") // Duo Enterprise only
	ended := day(2024, 3, 1)
	endedEarlier := day(2024, 1, 10)
	withSeats := func(f Facts, seats ...Seat) Facts { f.Seats = seats; return f }
	withCore := func(f Facts) Facts { f.InstanceDuoCore = true; return f }
	pro, ent := TierDuoPro, TierDuoEnterprise
	cases := []struct {
		name    string
		facts   Facts
		feat    FeatureInfo
		allowed bool
		reason  string
		tier    Tier
		path    string
		message string
		seatAns string // the answer to "Has Duo Pro/Enterprise license?"
	}{
		// Self-managed, the purchase is not active.
		{"SM expired Duo Pro purchase", withSeats(smFacts(), seatOn(pro, false, ended)), cs,
			false, ReasonPurchaseInactive, "", "A B D F > G",
			"The user's GitLab Duo Pro seat belongs to a purchase that is not active.",
			"No — the GitLab Duo Pro purchase is not active (ended Mar 01, 2024)"},
		{"SM two inactive purchases: the later one explains", withSeats(smFacts(), seatOn(ent, false, ended), seatOn(pro, false, endedEarlier)), cs,
			false, ReasonPurchaseInactive, "", "A B D F > G",
			"The user's GitLab Duo Enterprise seat belongs to a purchase that is not active.",
			"No — the GitLab Duo Enterprise purchase is not active (ended Mar 01, 2024)"},
		{"SM expired purchase, Duo Core on: Duo Core grants", withCore(withSeats(smFacts(), seatOn(ent, false, ended))), cs,
			true, ReasonAllowed, TierDuoCore, "A B D F H J > K",
			"Allowed through GitLab Duo Core.",
			"No — the GitLab Duo Enterprise purchase is not active (ended Mar 01, 2024)"},
		{"SM expired purchase under Always off", func() Facts {
			f := withSeats(smFacts(), seatOn(pro, false, ended))
			f.InstanceNeverOn = true
			return f
		}(), cs, false, ReasonInstanceNeverOn, "", "A B > C",
			"An administrator has set GitLab Duo to Always off for this instance.", ""},

		// A Duo Pro seat asked for a Duo Enterprise feature.
		{"SM Pro seat, Enterprise feature", withSeats(smFacts(), seatOn(pro, true, farFuture)), rca,
			false, ReasonFeatureNotInTier, "", "A B D D1 > D2",
			"Root Cause Analysis needs a GitLab Duo Enterprise seat; the user has GitLab Duo Pro.",
			"Yes — GitLab Duo Pro (instance)"},
		{"SM Pro seat, Enterprise feature, Duo Core on: no fall-through", withCore(withSeats(smFacts(), seatOn(pro, true, farFuture))), rca,
			false, ReasonFeatureNotInTier, "", "A B D D1 > D2",
			"Root Cause Analysis needs a GitLab Duo Enterprise seat; the user has GitLab Duo Pro.",
			"Yes — GitLab Duo Pro (instance)"},

		// Pro and Enterprise seats: Enterprise wins, whatever the order.
		{"Pro then Enterprise, Enterprise feature", withSeats(smFacts(), seatOn(pro, true, farFuture), seatOn(ent, true, farFuture)), rca,
			true, ReasonAllowed, TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (instance)"},
		{"Enterprise then Pro, Enterprise feature", withSeats(smFacts(), seatOn(ent, true, farFuture), seatOn(pro, true, farFuture)), rca,
			true, ReasonAllowed, TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (instance)"},
		{"Pro then Enterprise, Pro feature: granted by Enterprise", withSeats(smFacts(), seatOn(pro, true, farFuture), seatOn(ent, true, farFuture)), cs,
			true, ReasonAllowed, TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (instance)"},
		{".com Pro in one group, Enterprise in another", withSeats(comFacts(),
			Seat{Tier: pro, Namespace: "acme", Active: true, ExpiresOn: farFuture},
			Seat{Tier: ent, Namespace: "zeta", Active: true, ExpiresOn: farFuture}), rca,
			true, ReasonAllowed, TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (zeta)"},

		// An active seat next to one on an expired purchase: the active one
		// decides, and the expired one is not the reason.
		{"expired Enterprise next to active Pro, Pro feature", withSeats(smFacts(), seatOn(ent, false, ended), seatOn(pro, true, farFuture)), cs,
			true, ReasonAllowed, TierDuoPro, "A B D R1 > RC",
			"Allowed through GitLab Duo Pro.", "Yes — GitLab Duo Pro (instance)"},
		{"expired Enterprise next to active Pro, Enterprise feature", withSeats(smFacts(), seatOn(ent, false, ended), seatOn(pro, true, farFuture)), rca,
			false, ReasonFeatureNotInTier, "", "A B D D1 > D2",
			"Root Cause Analysis needs a GitLab Duo Enterprise seat; the user has GitLab Duo Pro.",
			"Yes — GitLab Duo Pro (instance)"},
		{"active Pro next to a later-ending expired Pro", withSeats(smFacts(), seatOn(pro, true, farFuture), seatOn(pro, false, ended)), cs,
			true, ReasonAllowed, TierDuoPro, "A B D R1 > RC",
			"Allowed through GitLab Duo Pro.", "Yes — GitLab Duo Pro (instance)"},
		{"active Enterprise after an expired Pro", withSeats(smFacts(), seatOn(pro, false, ended), seatOn(ent, true, farFuture)), rca,
			true, ReasonAllowed, TierDuoEnterprise, "A B D R1 > RC",
			"Allowed through GitLab Duo Enterprise.", "Yes — GitLab Duo Enterprise (instance)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.facts, tc.feat, ContextIDE)
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
func answerAt(d Decision, node string) string {
	for _, s := range d.Path {
		if s.Node == node {
			return s.Answer
		}
	}
	return ""
}
