package models_test

import (
	"context"
	"errors"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// Enforced settings (#21): only the enforcement changes them, they lock
// their subtree, and nothing done above undoes them.

func enforce(t *testing.T, s *models.Store, g *models.Group, a models.Availability, admin bool) {
	t.Helper()
	if _, err := s.EnforceGroupDuo(context.Background(), tester, g, models.DuoEnforcement{Availability: a, Reason: "policy", ByAdmin: admin}); err != nil {
		t.Fatalf("enforce %s: %v", g.FullPath, err)
	}
}

func wantEnforced(t *testing.T, what string, err error) {
	t.Helper()
	var ee *models.EnforcedError
	if !errors.As(err, &ee) {
		t.Fatalf("%s: want *EnforcedError, got %v", what, err)
	}
}

func TestEnforcedGroupRefusesOrdinaryChangesAndLocksItsSubtree(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.EnforceGroupDuo(ctx, tester, tr.ab, models.DuoEnforcement{Availability: models.DefaultOn, Reason: "x", ByAdmin: true}); err == nil {
			t.Fatal("enforced an unlocked option")
		}
		if _, err := s.EnforceGroupDuo(ctx, tester, tr.ab, models.DuoEnforcement{Availability: models.NeverOn, Reason: "  ", ByAdmin: true}); err == nil {
			t.Fatal("enforced without a reason")
		}
		enforce(t, s, tr.ab, models.NeverOn, true)
		gs := groupState(t, s, tr.ab)
		if !gs.Group.DuoEnforced() || gs.Availability() != models.NeverOn || gs.Group.DuoEnforcedReason != "policy" {
			t.Fatalf("a/b: %+v", gs.Group)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'duo_availability_enforced' AND details LIKE '%policy%'"); n != 1 {
			t.Fatalf("%d enforcement audit events with the reason", n)
		}
		// The ordinary path refuses every option, even the one it has.
		for _, a := range models.AllAvailabilities {
			_, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, a)
			wantEnforced(t, string(a), err)
		}
		_, err := s.SetGroupDuoAvailability(ctx, tester, tr.abc, models.DefaultOn)
		wantLocked(t, "a/b/c", err)
		wantLocked(t, "a/b/c/p", s.SetProjectDuoEnabled(ctx, tester, tr.projects["a/b/c"], true))

		// A change of value above stops at the enforced subtree.
		n, err := s.SetGroupDuoAvailability(ctx, tester, tr.a, models.DefaultOff)
		if err != nil || n.Subgroups != 0 || n.Projects != 1 {
			t.Fatalf("a to Off by default: %+v, %v (only a/p should change)", n, err)
		}
		if gs := groupState(t, s, tr.ab); !gs.Group.DuoEnforced() || !gs.Group.LockDuoFeaturesEnabled {
			t.Fatal("the cascade from above released the enforcement")
		}
		// Locking above would overrule it: refused until it is released.
		_, err = s.SetGroupDuoAvailability(ctx, tester, tr.a, models.NeverOn)
		wantEnforced(t, "lock above", err)
		// The instance's value cascade skips it too.
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.DefaultOn); err != nil {
			t.Fatal(err)
		}
		if gs := groupState(t, s, tr.ab); !gs.Group.DuoEnforced() || gs.Availability() != models.NeverOn {
			t.Fatalf("instance cascade changed a/b: %s", gs.Availability())
		}
		if ps := projectState(t, s, tr.projects["a/b"]); ps.Resolution.Enabled {
			t.Fatal("instance cascade reached a project under the enforced group")
		}

		// A GitLab.com owner cannot override an administrator's enforcement.
		_, err = s.EnforceGroupDuo(ctx, tester, tr.ab, models.DuoEnforcement{Availability: models.AlwaysOn, Reason: "owner", ByAdmin: false})
		wantEnforced(t, "owner over admin", err)
		_, err = s.EnforceGroupDuo(ctx, tester, tr.ab, models.DuoEnforcement{Release: true, Reason: "owner"})
		wantEnforced(t, "owner releases admin's", err)
		// The administrator changes it to Always on, then releases it.
		enforce(t, s, tr.ab, models.AlwaysOn, true)
		if ps := projectState(t, s, tr.projects["a/b/c"]); !ps.Resolution.Enabled || ps.Resolution.LockSource() != "a/b" {
			t.Fatalf("a/b/c/p under Always on: %+v", ps.Resolution)
		}
		if _, err := s.EnforceGroupDuo(ctx, tester, tr.ab, models.DuoEnforcement{Release: true, Reason: "done", ByAdmin: true}); err != nil {
			t.Fatal(err)
		}
		gs = groupState(t, s, tr.ab)
		if gs.Group.DuoEnforced() || gs.Availability() != models.AlwaysOn {
			t.Fatalf("released: enforced %v, %s", gs.Group.DuoEnforced(), gs.Availability())
		}
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.DefaultOff); err != nil {
			t.Fatalf("after release the owner changes it: %v", err)
		}
		// Enforcing under a lock is refused: the lock would overrule it.
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.a, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		_, err = s.EnforceGroupDuo(ctx, tester, tr.abc, models.DuoEnforcement{Availability: models.AlwaysOn, Reason: "x", ByAdmin: true})
		wantLocked(t, "enforce under a lock", err)
	})
}
