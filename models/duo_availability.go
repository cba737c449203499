package models

import (
	"errors"
)

// Availability is the "GitLab Duo availability" setting: GitLab's three
// options and Always on (gitlab-org&22382), its locked-on mirror.
type Availability string

const (
	AlwaysOn   Availability = "always_on"
	DefaultOn  Availability = "default_on"
	DefaultOff Availability = "default_off"
	NeverOn    Availability = "never_on"
)

// Availabilities are the options every scope offers; Always on is offered
// only where AlwaysOnOffered says.
var Availabilities = []Availability{DefaultOn, DefaultOff, NeverOn}

// AllAvailabilities adds Always on, in the order the radios show them.
var AllAvailabilities = []Availability{AlwaysOn, DefaultOn, DefaultOff, NeverOn}

// ErrBadAvailability is the text a value outside the four options gets.
const ErrBadAvailability = "must be one of always_on, default_on, default_off, never_on"

func ParseAvailability(s string) (Availability, error) {
	for _, a := range AllAvailabilities {
		if string(a) == s {
			return a, nil
		}
	}
	return "", errors.New(ErrBadAvailability)
}

// Locks tells whether the option locks the setting for everything below.
func (a Availability) Locks() bool { return a == AlwaysOn || a == NeverOn }

// ErrAlwaysOnNotOffered refuses Always on where GitLab does not offer it.
var ErrAlwaysOnNotOffered = errors.New("the Always on option can only be set for the instance (self-managed) or a top-level group (GitLab.com)")

// AlwaysOnOffered: GitLab offers Always on for the instance on
// self-managed and for top-level groups on GitLab.com (g nil is the
// instance). Elsewhere only an enforcement (duo_enforcement.go) sets it.
func AlwaysOnOffered(d Deployment, g *Group) bool {
	if g == nil {
		return d != GitLabCom
	}
	return d == GitLabCom && g.TopLevel()
}

// Stored is how the option is kept: (duo_features_enabled, lock_duo_features_enabled).
func (a Availability) Stored() (enabled, locked bool) {
	switch a {
	case AlwaysOn:
		return true, true
	case DefaultOn:
		return true, false
	case NeverOn:
		return false, true
	}
	return false, false
}

func (a Availability) Title() string {
	switch a {
	case AlwaysOn:
		return "Always on"
	case DefaultOn:
		return "On by default"
	case NeverOn:
		return "Always off"
	}
	return "Off by default"
}

// InstanceAvailability reads the instance's option back from its columns.
func InstanceAvailability(enabled, locked bool) Availability {
	switch {
	case enabled && !locked:
		return DefaultOn
	case !enabled && !locked:
		return DefaultOff
	case enabled:
		return AlwaysOn
	}
	return NeverOn
}

// The texts GitLab's cascading settings fail with.
var (
	ErrLockedByAncestor = errors.New("cannot be changed because it is locked by an ancestor")
	ErrNilWhenLocking   = errors.New("cannot be nil when locking the attribute")
)

// DuoNode is one level of the hierarchy as stored: the instance, a group
// or a project. Enabled is nil for a group that inherits.
type DuoNode struct {
	Kind     string // "instance", "group", "project"
	ID       int64
	FullPath string
	Name     string
	Enabled  *bool
	Locked   bool
}

const (
	NodeInstance = "instance"
	NodeGroup    = "group"
	NodeProject  = "project"
)

// DuoResolution is the effective setting of a group or project and why.
type DuoResolution struct {
	Enabled bool
	// LockedBy is the instance or the nearest ancestor group whose lock
	// decides the value; nil when the record may change it.
	LockedBy *DuoNode
	// LockedBySelf: the record itself is Always off.
	LockedBySelf bool
	// Source supplied the value: the instance, an ancestor, or the record.
	Source *DuoNode
	// FromSelf: the record's own stored value decides.
	FromSelf bool
	// Inherited is what the record would get with no value of its own.
	Inherited bool
}

// Locked is GitLab's X_locked?: locked by an ancestor or the instance.
func (r DuoResolution) Locked() bool { return r.LockedBy != nil }

// Availability reads the option back for a group: a lock (its own, an
// ancestor's or the instance's) is Always on or Always off by its value.
func (r DuoResolution) Availability() Availability {
	if r.LockedBy != nil || r.LockedBySelf {
		if r.Enabled {
			return AlwaysOn
		}
		return NeverOn
	}
	if r.Enabled {
		return DefaultOn
	}
	return DefaultOff
}

// ResolveDuo applies the read order, first match wins: a lock at the
// instance; the nearest locked ancestor group; the record's own value; the
// nearest ancestor with a value; the instance value. ancestors run from
// the top-level group down to the parent.
func ResolveDuo(instance DuoNode, ancestors []DuoNode, self DuoNode) DuoResolution {
	inst := instance
	r := DuoResolution{LockedBySelf: self.Locked}
	r.Inherited, _ = inheritedValue(&inst, ancestors)
	if inst.Locked {
		r.Enabled, r.LockedBy, r.Source = boolOr(inst.Enabled, false), &inst, &inst
		return r
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		if ancestors[i].Locked {
			a := ancestors[i]
			// A locked group always stores a value; should one not, it
			// locks what it would itself inherit.
			above, _ := inheritedValue(&inst, ancestors[:i])
			r.Enabled, r.LockedBy, r.Source = boolOr(a.Enabled, above), &a, &a
			return r
		}
	}
	if self.Enabled != nil {
		s := self
		r.Enabled, r.Source, r.FromSelf = *self.Enabled, &s, true
		return r
	}
	_, src := inheritedValue(&inst, ancestors)
	r.Enabled, r.Source = r.Inherited, src
	return r
}

// inheritedValue is the nearest ancestor's stored value, else the instance's.
func inheritedValue(instance *DuoNode, ancestors []DuoNode) (bool, *DuoNode) {
	for i := len(ancestors) - 1; i >= 0; i-- {
		if ancestors[i].Enabled != nil {
			a := ancestors[i]
			return *a.Enabled, &a
		}
	}
	return boolOr(instance.Enabled, true), instance
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// DuoChange is a request to change a group's stored setting. A nil field
// leaves that column as it is; SetEnabled with Enabled nil means inherit.
type DuoChange struct {
	SetEnabled bool
	Enabled    *bool
	Lock       *bool
	// Enforce makes the change an enforcement or its release
	// (duo_enforcement.go).
	Enforce *DuoEnforcement
}

// ChangeFor expresses a three-way option as a change.
func ChangeFor(a Availability) DuoChange {
	v, l := a.Stored()
	return DuoChange{SetEnabled: true, Enabled: &v, Lock: &l}
}

// PlanGroupDuo validates a change against the rules and returns the new
// stored (enabled, locked) of the group.
func PlanGroupDuo(res DuoResolution, self DuoNode, ch DuoChange) (*bool, bool, error) {
	// Under a lock any request to set the value or the lock is refused,
	// even one that asks for what is stored; a change of nothing (the
	// experiment switch alone) is no such request.
	if ch.SetEnabled || ch.Lock != nil {
		if err := refuseUnderLock(res); err != nil {
			return nil, false, err
		}
	}
	newLock := self.Locked
	if ch.Lock != nil {
		newLock = *ch.Lock
	}
	newEnabled := self.Enabled
	if ch.SetEnabled {
		newEnabled = ch.Enabled
		if newLock && newEnabled == nil {
			return nil, false, ErrNilWhenLocking
		}
		// Saving the inherited value over NULL keeps inheriting.
		if self.Enabled == nil && newEnabled != nil && !newLock && *newEnabled == res.Inherited {
			newEnabled = nil
		}
	} else if newLock && newEnabled == nil {
		// Locking copies the inherited value into the record first.
		v := res.Inherited
		newEnabled = &v
	}
	return newEnabled, newLock, nil
}

func sameBoolPtr(a, b *bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// SourceLabel explains where an effective value comes from, for people.
func (r DuoResolution) SourceLabel() string {
	switch {
	case r.LockedBy != nil && r.LockedBy.Kind == NodeInstance:
		return "Enforced by an instance administrator"
	case r.LockedBy != nil:
		return "Enforced by " + r.LockedBy.FullPath
	case r.FromSelf:
		return "Set here"
	case r.Source == nil || r.Source.Kind == NodeInstance:
		return "Inherited from the instance"
	}
	return "Inherited from " + r.Source.FullPath
}

// APISource is the "source" field of the duo_settings API.
func (r DuoResolution) APISource() string {
	switch {
	case r.FromSelf:
		return "self"
	case r.Source == nil || r.Source.Kind == NodeInstance:
		return "instance"
	}
	return r.Source.FullPath
}

// APILockedBy is the "locked_by" field: a path, "instance", or nil.
func (r DuoResolution) APILockedBy() *string {
	if r.LockedBy == nil {
		return nil
	}
	s := r.LockedBy.FullPath
	if r.LockedBy.Kind == NodeInstance {
		s = "instance"
	}
	return &s
}

// LockSource is who locks the value: "instance", the locking group's path
// (the record's own when it is itself Always on/off), or "".
func (r DuoResolution) LockSource() string {
	if l := r.APILockedBy(); l != nil {
		return *l
	}
	if r.LockedBySelf && r.Source != nil {
		return r.Source.FullPath
	}
	return ""
}
