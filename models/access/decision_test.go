package access

import (
	"strings"
	"testing"
	"time"
)

var farFuture = day(2099, 1, 1)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func seat(a Tier, active bool) Seat {
	return Seat{Tier: a, Namespace: "acme", Active: active, ExpiresOn: farFuture}
}

func comFacts() Facts {
	return Facts{GitLabCom: true, User: User{Username: "ann", Active: true},
		PaidGroups: []PaidGroup{{Path: "acme", NonGuest: true}}, Resource: Resource{Kind: ResourceNone}}
}

func smFacts() Facts {
	return Facts{User: User{Username: "ann", Active: true},
		InstancePaidPlan: true, Resource: Resource{Kind: ResourceNone}}
}

func feature(t *testing.T, id string) FeatureInfo {
	t.Helper()
	f, ok := FeatureByID(id)
	if !ok {
		t.Fatalf("no feature %s", id)
	}
	return f
}

func nodes(d Decision) string {
	var out []string
	for _, s := range d.Path {
		out = append(out, s.Node)
	}
	return strings.Join(out, " ") + " > " + d.OutcomeNode
}

func TestDecideAccessWalksEveryBranch(t *testing.T) {
	t.Parallel()
	cs := feature(t, "code_suggestions")
	withSeat := func(f Facts, a Tier, active bool) Facts { f.Seats = []Seat{seat(a, active)}; return f }
	withCore := func(f Facts) Facts {
		if f.GitLabCom {
			f.PaidGroups[0].DuoCore = true
		} else {
			f.InstanceDuoCore = true
		}
		return f
	}
	withResource := func(f Facts, on bool) Facts {
		f.Resource = Resource{Kind: ResourceProject, Path: "acme/api", DuoEnabled: on, Why: "Set here"}
		return f
	}
	cases := []struct {
		name    string
		facts   Facts
		feat    FeatureInfo
		ctx     Context
		allowed bool
		reason  string
		tier    Tier
		path    string
	}{
		// GitLab.com (diagrams 1 and 2)
		{".com not in a paid group", func() Facts { f := comFacts(); f.PaidGroups = nil; return f }(), cs, ContextIDE, false, ReasonNotInPaidGroup, "", "A B > C"},
		{".com seat, no resource", withSeat(comFacts(), TierDuoPro, true), cs, ContextIDE, true, ReasonAllowed, TierDuoPro, "A B D R1 > RC"},
		{".com seat, resource on", withResource(withSeat(comFacts(), TierDuoPro, true), true), cs, ContextWebUI, true, ReasonAllowed, TierDuoPro, "A B D R1 R2 > R4"},
		{".com seat, resource off", withResource(withSeat(comFacts(), TierDuoEnterprise, true), false), cs, ContextIDE, false, ReasonResourceDisabled, "", "A B D R1 R2 > R3"},
		{".com no seat, no Duo Core", comFacts(), cs, ContextIDE, false, ReasonNoSeat, "", "A B D F > G"},
		{".com expired seat, no Duo Core", withSeat(comFacts(), TierDuoPro, false), cs, ContextIDE, false, ReasonPurchaseInactive, "", "A B D F > G"},
		{".com Duo Core, chat in web UI", withCore(comFacts()), feature(t, "duo_chat"), ContextWebUI, false, ReasonDuoCoreIDEOnly, "", "A B D F H > I"},
		{".com Duo Core, IDE, no resource", withCore(comFacts()), cs, ContextIDE, true, ReasonAllowed, TierDuoCore, "A B D F H J > K"},
		{".com Duo Core, resource on", withResource(withCore(comFacts()), true), cs, ContextWebIDE, true, ReasonAllowed, TierDuoCore, "A B D F H J L > M"},
		{".com Duo Core, resource off", withResource(withCore(comFacts()), false), cs, ContextIDE, false, ReasonResourceDisabled, "", "A B D F H J L > N"},
		{".com Duo Core as a guest only", func() Facts { f := withCore(comFacts()); f.PaidGroups[0].NonGuest = false; return f }(), cs, ContextIDE, false, ReasonNoSeat, "", "A B D F > G"},
		{".com unknown origin is no resource", func() Facts {
			f := withCore(comFacts())
			f.Resource = Resource{Kind: ResourceUnknownOrigin}
			return f
		}(), cs, ContextIDE, true, ReasonAllowed, TierDuoCore, "A B D F H J > K"},
		{".com Pro seat, Enterprise feature", withSeat(comFacts(), TierDuoPro, true), feature(t, "troubleshoot_job"), ContextWebUI, false, ReasonFeatureNotInTier, "", "A B D D1 > D2"},
		// Self-managed (diagrams 3 and 4)
		{"SM Always off beats a seat", func() Facts {
			f := withSeat(smFacts(), TierDuoEnterprise, true)
			f.InstanceNeverOn = true
			return f
		}(), cs, ContextIDE, false, ReasonInstanceNeverOn, "", "A B > C"},
		{"SM seat", withSeat(smFacts(), TierDuoEnterprise, true), feature(t, "troubleshoot_job"), ContextWebUI, true, ReasonAllowed, TierDuoEnterprise, "A B D R1 > RC"},
		{"SM seat, resource off", withResource(withSeat(smFacts(), TierDuoPro, true), false), cs, ContextIDE, false, ReasonResourceDisabled, "", "A B D R1 R2 > R3"},
		{"SM no seat, no Duo Core", smFacts(), cs, ContextIDE, false, ReasonNoSeat, "", "A B D F > G"},
		{"SM Duo Core on a Free instance", func() Facts { f := withCore(smFacts()); f.InstancePaidPlan = false; return f }(), cs, ContextIDE, false, ReasonNoSeat, "", "A B D F > G"},
		{"SM Duo Core, Code Suggestions in Web IDE", withCore(smFacts()), cs, ContextWebIDE, true, ReasonAllowed, TierDuoCore, "A B D F H J > K"},
		{"SM Duo Core, chat in Web IDE", withCore(smFacts()), feature(t, "duo_chat"), ContextWebIDE, false, ReasonDuoCoreIDEOnly, "", "A B D F H > I"},
		{"SM Duo Core, resource off", withResource(withCore(smFacts()), false), cs, ContextIDE, false, ReasonResourceDisabled, "", "A B D F H J L > N"},
		// Accounts
		{"blocked user with a seat", func() Facts {
			f := withSeat(smFacts(), TierDuoPro, true)
			f.User.Active, f.User.State = false, "blocked"
			return f
		}(), cs, ContextIDE, false, ReasonUserInactive, "", "A A0 > C"},
		{"bot with Duo Core", func() Facts { f := withCore(comFacts()); f.User.Bot = true; return f }(), cs, ContextIDE, false, ReasonBotUser, "", "A A0 > C"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.facts, tc.feat, tc.ctx)
			if d.Allowed != tc.allowed || d.Reason != tc.reason || d.Tier != tc.tier {
				t.Errorf("allowed=%v reason=%s tier=%q, want %v %s %q (%s)", d.Allowed, d.Reason, d.Tier, tc.allowed, tc.reason, tc.tier, d.Message)
			}
			if got := nodes(d); got != tc.path {
				t.Errorf("path %s, want %s", got, tc.path)
			}
			if d.Message == "" || len(d.Path) == 0 || d.Outcome == "" {
				t.Errorf("incomplete decision %+v", d)
			}
			if d.Reason == ReasonResourceDisabled && d.Message != "I am sorry, I cannot access the information you are asking about. A group or project owner has turned off Duo features in this group or project." {
				t.Errorf("resource message %q", d.Message)
			}
		})
	}
}

// Every feature x tier x context, against the catalog's rules.
func TestFeatureTierContextMatrix(t *testing.T) {
	t.Parallel()
	core := map[string][]Context{"duo_chat": {ContextIDE}, "code_suggestions": {ContextIDE, ContextWebIDE}}
	pro := map[string]bool{"code_suggestions": true, "duo_chat": true, "explain_code": true, "refactor_code": true,
		"fix_code": true, "write_tests": true, "documentation_search": true}
	if len(Catalog) != 15 {
		t.Fatalf("catalog has %d features, want GitLab's 15", len(Catalog))
	}
	for _, f := range Catalog {
		for _, c := range Contexts {
			for _, tier := range []Tier{TierDuoCore, TierDuoPro, TierDuoEnterprise} {
				facts := smFacts()
				var want bool
				switch tier {
				case TierDuoCore:
					facts.InstanceDuoCore = true
					for _, ok := range core[string(f.ID)] {
						want = want || ok == c
					}
				case TierDuoPro:
					facts.Seats = []Seat{seat(TierDuoPro, true)}
					want = pro[string(f.ID)]
				case TierDuoEnterprise:
					facts.Seats = []Seat{seat(TierDuoEnterprise, true)}
					want = true
				}
				d := Decide(facts, f, c)
				if d.Allowed != want {
					t.Errorf("%s with %s in %s: allowed=%v, want %v (%s)", f.ID, tier, c, d.Allowed, want, d.Reason)
				}
				if want && d.Tier != tier {
					t.Errorf("%s with %s in %s: tier %s", f.ID, tier, c, d.Tier)
				}
			}
		}
	}
}

// A seat is not revoked by a group's Always off: other resources still work.
func TestSeatSurvivesAGroupsAlwaysOff(t *testing.T) {
	t.Parallel()
	f := comFacts()
	f.Seats = []Seat{seat(TierDuoPro, true)}
	f.Resource = Resource{Kind: ResourceProject, Path: "acme/secret", DuoEnabled: false, Why: "Enforced by acme"}
	if Decide(f, feature(t, "duo_chat"), ContextWebUI).Allowed {
		t.Fatal("the locked resource must be refused")
	}
	for _, r := range []Resource{{Kind: ResourceNone}, {Kind: ResourceUnknownOrigin}, {Kind: ResourceGroup, Path: "other", DuoEnabled: true, Why: "Set here"}} {
		f.Resource = r
		if d := Decide(f, feature(t, "duo_chat"), ContextWebUI); !d.Allowed {
			t.Fatalf("%s: %s", r.Kind, d.Message)
		}
	}
}
