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
	t.Parallel()
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
		// Under an Off by default instance, a chose On by default, a/b Off
		// by default, a/b/c On by default; then a/b became Always off: its
		// value did not change, so nothing was cascaded and a/b/c still
		// stores true (built through the Store, this is what it holds).
		{"a locked parent beats the record's own value and the grandparent's", inst(false, false),
			[]DuoNode{grp(1, "a", b(true), false), grp(2, "a/b", b(false), true)}, grp(3, "a/b/c", b(true), false),
			false, "a/b", "a/b", NeverOn, "Enforced by a/b"},
		// The instance was Off by default when a became Always off (which
		// cascaded false to a/b), then became Always off itself: its value
		// did not change, so nothing was cascaded and a kept its lock.
		{"instance lock beats ancestor lock", inst(false, true),
			[]DuoNode{grp(1, "a", b(false), true)}, grp(2, "a/b", b(false), false), false, "instance", "instance", NeverOn,
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
			realState(t, append(append([]DuoNode{tc.instance}, tc.ancestors...), tc.self)...)
			if tc.avail == NeverOn && tc.enabled {
				t.Errorf("the case expects enabled with never_on, a state no option produces")
			}
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

// realState fails a case whose levels store what no option produces:
// Always off stores (false, locked); a lock never stores true.
func realState(t *testing.T, nodes ...DuoNode) {
	t.Helper()
	for _, n := range nodes {
		if n.Locked && (n.Enabled == nil || *n.Enabled) {
			t.Errorf("%s is stored locked with duo_features_enabled %v: no option produces it", n.FullPath, fmtBool(n.Enabled))
		}
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "NULL"
	}
	if *b {
		return "true"
	}
	return "false"
}

// Each option is stored as its pair of columns and read back as itself;
// the four pairs are the ones the options write.
func TestInstanceAvailabilityReadBack(t *testing.T) {
	t.Parallel()
	stored := map[[2]bool]Availability{}
	for _, a := range AllAvailabilities {
		e, l := a.Stored()
		if got := InstanceAvailability(e, l); got != a {
			t.Errorf("%s stored as (%v,%v) reads back as %s", a, e, l, got)
		}
		stored[[2]bool{e, l}] = a
	}
	want := map[[2]bool]Availability{{true, false}: DefaultOn, {false, false}: DefaultOff, {false, true}: NeverOn, {true, true}: AlwaysOn}
	if len(stored) != len(want) {
		t.Fatalf("the options write %v, want %v", stored, want)
	}
	for pair, a := range want {
		if stored[pair] != a {
			t.Errorf("(%v,%v) is written by %q, want %s", pair[0], pair[1], stored[pair], a)
		}
	}
}

func TestPlanGroupDuoNullRules(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
