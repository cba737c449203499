package models_test

import (
	"context"
	"slices"
	"testing"

	"duoadmin/models"
	"duoadmin/models/ldapdir/ldaptest"
	"duoadmin/models/storetest"
)

// An LDAP-group rule on a Store given no directory reads the LDAP server
// saved on the LDAP screen: against a real slapd, the nested group
// "backend" gives its members seats (the fakes of assignment_rules_test.go
// cover holding when the directory fails).
func TestLDAPGroupRuleReadsTheSavedServer(t *testing.T) {
	t.Parallel()
	srv := ldaptest.Start(t)
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p := smEmptyPurchase(t, s, 10)
		for _, name := range []string{"alice", "bob", "carol", "dave"} {
			mkUser(t, s, name, models.StateActive, false)
		}
		rule := models.RuleChange{Op: models.RuleCreate, Input: models.RuleInput{
			SourceKind: models.RuleSourceLDAPGroup, Source: "backend", Mode: models.RuleModeAssignRemove}}
		if _, err := s.SaveLDAPServer(ctx, tester, ldapInput(srv)); err != nil {
			t.Fatal(err)
		}
		res, err := s.ChangeRule(ctx, tester, p.ID, rule, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := sorted(diffNames(res.Diff.Gains)); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
			t.Fatalf("gains from the LDAP group backend = %v, want alice, bob, carol", got)
		}
		if got := sorted(holderNames(t, s, p)); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
			t.Fatalf("seat holders = %v", got)
		}
		// Their ledger rows say LDAP, with the rule.
		ev, err := s.SeatEvents(ctx, p.ID, models.SeatEventFilter{}, models.Page{Number: 1, PerPage: 20})
		if err != nil || len(ev.Items) != 3 {
			t.Fatalf("ledger %+v, %v", ev, err)
		}
		for _, e := range ev.Items {
			if e.Reason != models.SeatReasonLDAP || e.RuleID == nil || *e.RuleID != res.Rule.ID {
				t.Errorf("ledger row %+v: want reason ldap and rule %d", e, res.Rule.ID)
			}
		}
	})
}
