package models_test

import (
	"errors"
	"testing"

	. "duoadmin/models"
)

func b(v bool) *bool { return &v }

func inst(enabled, locked bool) DuoNode {
	return DuoNode{Kind: NodeInstance, FullPath: "instance", Enabled: b(enabled), Locked: locked}
}

func grp(id int64, path string, enabled *bool, locked bool) DuoNode {
	return DuoNode{Kind: NodeGroup, ID: id, FullPath: path, Enabled: enabled, Locked: locked}
}

func TestResolveDuoReadOrder(t *testing.T) {
	cases := []struct {
		name       string
		instance   DuoNode
		ancestors  []DuoNode
		self       DuoNode
		enabled    bool
		source     string
		lockedBy   string // "" none
		avail      Availability
		sourceText string
	}{
		{"nothing set inherits the instance", inst(true, false), nil, grp(1, "a", nil, false), true, "instance", "", DefaultOn, "Inherited from the instance"},
		{"instance off by default", inst(false, false), nil, grp(1, "a", nil, false), false, "instance", "", DefaultOff, "Inherited from the instance"},
		{"own value beats instance", inst(false, false), nil, grp(1, "a", b(true), false), true, "self", "", DefaultOn, "Set here"},
		{"nearest ancestor with a value", inst(true, false),
			[]DuoNode{grp(1, "a", b(true), false), grp(2, "a/b", b(false), false)}, grp(3, "a/b/c", nil, false),
			false, "a/b", "", DefaultOff, "Inherited from a/b"},
		{"own value beats unlocked ancestor", inst(true, false),
			[]DuoNode{grp(1, "a", b(false), false)}, grp(2, "a/b", b(true), false), true, "self", "", DefaultOn, "Set here"},
		{"lock three levels up wins over own and nearer values", inst(true, false),
			[]DuoNode{grp(1, "a", b(false), true), grp(2, "a/b", b(true), false), grp(3, "a/b/c", b(true), false)},
			grp(4, "a/b/c/d", b(true), false), false, "a", "a", NeverOn, "Enforced by a"},
		{"nearest locked ancestor", inst(true, false),
			[]DuoNode{grp(1, "a", b(false), true), grp(2, "a/b", b(true), true)}, grp(3, "a/b/c", nil, false),
			true, "a/b", "a/b", NeverOn, "Enforced by a/b"},
		{"instance lock beats ancestor lock", inst(false, true),
			[]DuoNode{grp(1, "a", b(true), true)}, grp(2, "a/b", b(true), false), false, "instance", "instance", NeverOn,
			"Enforced by an instance administrator"},
		{"self lock reads never_on but is not locked by an ancestor", inst(true, false), nil, grp(1, "a", b(false), true),
			false, "self", "", NeverOn, "Set here"},
		{"project under a locked group", inst(true, false), []DuoNode{grp(1, "a", b(false), true)},
			DuoNode{Kind: NodeProject, ID: 9, FullPath: "a/p", Enabled: b(true)}, false, "a", "a", NeverOn, "Enforced by a"},
		{"project own value", inst(false, false), []DuoNode{grp(1, "a", b(false), false)},
			DuoNode{Kind: NodeProject, ID: 9, FullPath: "a/p", Enabled: b(true)}, true, "self", "", DefaultOn, "Set here"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ResolveDuo(tc.instance, tc.ancestors, tc.self)
			if r.Enabled != tc.enabled {
				t.Errorf("enabled = %v, want %v", r.Enabled, tc.enabled)
			}
			if got := r.APISource(); got != tc.source {
				t.Errorf("source = %q, want %q", got, tc.source)
			}
			lockedBy := ""
			if lb := r.APILockedBy(); lb != nil {
				lockedBy = *lb
			}
			if lockedBy != tc.lockedBy || r.Locked() != (tc.lockedBy != "") {
				t.Errorf("locked_by = %q (locked %v), want %q", lockedBy, r.Locked(), tc.lockedBy)
			}
			if r.Availability() != tc.avail {
				t.Errorf("availability = %s, want %s", r.Availability(), tc.avail)
			}
			if r.SourceLabel() != tc.sourceText {
				t.Errorf("source label = %q, want %q", r.SourceLabel(), tc.sourceText)
			}
		})
	}
}

func TestInstanceAvailabilityReadBack(t *testing.T) {
	for _, tc := range []struct {
		enabled, locked bool
		want            Availability
	}{{true, false, DefaultOn}, {false, false, DefaultOff}, {false, true, NeverOn}, {true, true, NeverOn}} {
		if got := InstanceAvailability(tc.enabled, tc.locked); got != tc.want {
			t.Errorf("(%v,%v) = %s, want %s", tc.enabled, tc.locked, got, tc.want)
		}
		if e, l := tc.want.Stored(); tc.want != NeverOn && (e != tc.enabled || l != tc.locked) {
			t.Errorf("%s stored as (%v,%v)", tc.want, e, l)
		}
	}
	if e, l := NeverOn.Stored(); e || !l {
		t.Errorf("never_on stored as (%v,%v), want (false,true)", e, l)
	}
}

func TestPlanGroupDuoNullRules(t *testing.T) {
	instance := inst(true, false)
	self := grp(2, "a/b", nil, false)
	parent := []DuoNode{grp(1, "a", b(false), false)}
	res := ResolveDuo(instance, parent, self)

	// Saving the inherited value while NULL keeps NULL.
	enabled, locked, err := PlanGroupDuo(res, self, DuoChange{SetEnabled: true, Enabled: b(false)})
	if err != nil || enabled != nil || locked {
		t.Fatalf("save inherited over NULL = (%v,%v,%v), want (nil,false,nil)", enabled, locked, err)
	}
	// A different value is stored.
	enabled, _, err = PlanGroupDuo(res, self, DuoChange{SetEnabled: true, Enabled: b(true)})
	if err != nil || enabled == nil || !*enabled {
		t.Fatalf("save true over NULL = (%v,%v)", enabled, err)
	}
	// Locking with no value stored copies the inherited value.
	enabled, locked, err = PlanGroupDuo(res, self, DuoChange{Lock: b(true)})
	if err != nil || enabled == nil || *enabled != false || !locked {
		t.Fatalf("lock over NULL = (%v,%v,%v), want (false,true,nil)", enabled, locked, err)
	}
	// Explicitly storing NULL while locked fails.
	_, _, err = PlanGroupDuo(res, self, DuoChange{SetEnabled: true, Enabled: nil, Lock: b(true)})
	if !errors.Is(err, ErrNilWhenLocking) || err.Error() != "cannot be nil when locking the attribute" {
		t.Fatalf("nil while locking: %v", err)
	}
	lockedSelf := grp(2, "a/b", b(false), true)
	_, _, err = PlanGroupDuo(ResolveDuo(instance, parent, lockedSelf), lockedSelf, DuoChange{SetEnabled: true, Enabled: nil})
	if !errors.Is(err, ErrNilWhenLocking) {
		t.Fatalf("nil on a locked record: %v", err)
	}
}

func TestPlanGroupDuoRefusesChangesUnderALock(t *testing.T) {
	for name, chain := range map[string]struct {
		instance  DuoNode
		ancestors []DuoNode
	}{
		"ancestor": {inst(true, false), []DuoNode{grp(1, "a", b(false), true), grp(2, "a/b", nil, false)}},
		"instance": {inst(false, true), []DuoNode{grp(1, "a", nil, false)}},
	} {
		self := grp(3, "a/b/c", b(false), false)
		res := ResolveDuo(chain.instance, chain.ancestors, self)
		// Re-saving the stored option (Off by default) is refused too: a
		// request to set a locked setting fails whatever it asks for.
		for _, a := range Availabilities {
			_, _, err := PlanGroupDuo(res, self, ChangeFor(a))
			if !errors.Is(err, ErrLockedByAncestor) || err.Error() != "cannot be changed because it is locked by an ancestor" {
				t.Errorf("%s: %s under a lock: %v", name, a, err)
			}
		}
	}
}
