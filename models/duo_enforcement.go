package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Administrator-enforced settings (#21). An enforced group is always
// locked (Always on or Always off), so the resolver needs nothing more: it
// locks its subtree as any lock does. What enforcement adds is who may
// change it: only administrators, or on GitLab.com the owners of its
// top-level group when one of them enforced it. The group's own owners
// see it read-only, and nothing done above may undo it:
//   - enforcing is refused under a lock (instance or ancestor group);
//   - an ancestor's change of value skips enforced subtrees;
//   - an ancestor may not lock (nor the instance cascade a value into) an
//     enforced group: locking above one is refused until it is released.

func (g *Group) DuoEnforced() bool { return g.DuoEnforcedAt != nil }

// EnforcedError refuses a change of an enforced setting through the
// ordinary screens and API, or by someone the enforcer outranks.
type EnforcedError struct {
	Path    string // the enforced group
	ByAdmin bool
	// Below: the enforced group is a descendant of the group changed.
	Below bool
}

func (e *EnforcedError) Error() string {
	who := "an administrator"
	if !e.ByAdmin {
		who = "an owner of the top-level group"
	}
	if e.Below {
		return "cannot be locked because " + e.Path + " below it is enforced by " + who + "; release that first"
	}
	return "cannot be changed because it is enforced by " + who
}

func enforcedErr(g *Group, below bool) error {
	return &EnforcedError{Path: g.FullPath, ByAdmin: g.DuoEnforcedByAdmin, Below: below}
}

// DuoEnforcement is a request to enforce (or, Release, to stop enforcing)
// a group's setting.
type DuoEnforcement struct {
	Availability Availability
	Reason       string
	// ByAdmin: an instance administrator asks; otherwise an owner of the
	// top-level group on GitLab.com (the route's rule decided who may).
	ByAdmin bool
	Release bool
}

const maxEnforceReason = 500

// Validate checks the form: an enforced setting locks, and says why.
func (e DuoEnforcement) Validate() FieldErrors {
	errs := FieldErrors{}
	if !e.Release && !e.Availability.Locks() {
		errs["duo_availability"] = "an enforced setting is Always on or Always off"
	}
	r := strings.TrimSpace(e.Reason)
	switch {
	case r == "":
		errs["reason"] = "can't be blank"
	case len(r) > maxEnforceReason:
		errs["reason"] = "is too long (maximum is 500 characters)"
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// EnforceGroupDuo enforces (or releases) a group's setting: the value and
// lock are applied as the ordinary change would (cascading to the
// subtree), in one transaction with an audit event carrying the reason.
func (s *Store) EnforceGroupDuo(ctx context.Context, actor Actor, g *Group, e DuoEnforcement) (CascadeImpact, error) {
	if errs := e.Validate(); errs != nil {
		return CascadeImpact{}, errs
	}
	ch := DuoChange{Enforce: &e}
	if !e.Release {
		ch = ChangeFor(e.Availability)
		ch.Enforce = &e
	}
	return s.UpdateGroupDuo(ctx, actor, g, ch, nil)
}

// checkEnforcement refuses what the enforcement rules forbid before a
// group's change is planned.
func (s *Store) checkEnforcement(ctx context.Context, g *Group, res DuoResolution, ch DuoChange) error {
	setting := ch.SetEnabled || ch.Lock != nil
	switch e := ch.Enforce; {
	case e == nil && g.DuoEnforced() && setting:
		return enforcedErr(g, false)
	case e != nil && g.DuoEnforced() && g.DuoEnforcedByAdmin && !e.ByAdmin:
		return enforcedErr(g, false)
	case e != nil && e.Release && !g.DuoEnforced():
		return FieldErrors{"reason": "the setting is not enforced"}
	case e != nil && !e.Release:
		// Enforcing under a lock would be overruled by it.
		if err := refuseUnderLock(res); err != nil {
			return err
		}
	}
	// Locking newly locks the subtree, which would overrule an enforced
	// group below.
	if ch.Lock != nil && *ch.Lock && !g.LockDuoFeaturesEnabled {
		below, err := s.enforcedBelow(ctx, g, 1)
		if err != nil || len(below) == 0 {
			return err
		}
		return enforcedErr(&below[0], true)
	}
	return nil
}

// enforcedBelow lists enforced groups strictly below g (limit 0: all).
func (s *Store) enforcedBelow(ctx context.Context, g *Group, limit int) ([]Group, error) {
	where, args := below(g)
	q := s.q(ctx).Where(where, args...).Where("duo_enforced_at IS NOT NULL").Order("traversal_path")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var out []Group
	return out, q.Find(&out).Error
}

// withoutEnforced narrows a query of namespaces (or, col naming their
// traversal path, of rows joined to them) to rows outside every enforced
// subtree in scope: a value cascading from above stops at them.
func withoutEnforced(q *gorm.DB, enforced []Group, col string) *gorm.DB {
	for _, e := range enforced {
		lo, hi := subtreeRange(e.TraversalPath)
		q = q.Where("NOT ("+col+" >= ? AND "+col+" < ?)", lo, hi)
	}
	return q
}

// enforcementColumns are the updates an enforcement or release writes.
func enforcementColumns(actor Actor, e *DuoEnforcement, now time.Time) map[string]any {
	if e.Release {
		return map[string]any{"duo_enforced_at": nil, "duo_enforced_by_id": nil, "duo_enforced_by_admin": false, "duo_enforced_reason": ""}
	}
	var by *int64
	if actor.ID != 0 {
		id := actor.ID
		by = &id
	}
	return map[string]any{"duo_enforced_at": now, "duo_enforced_by_id": by, "duo_enforced_by_admin": e.ByAdmin,
		"duo_enforced_reason": strings.TrimSpace(e.Reason)}
}

// enforcementAudit names the audit action and its extra details.
func enforcementAudit(e *DuoEnforcement) (string, map[string]any) {
	if e == nil {
		return "duo_availability_changed", nil
	}
	action := "duo_availability_enforced"
	if e.Release {
		action = "duo_availability_enforcement_released"
	}
	return action, map[string]any{"reason": strings.TrimSpace(e.Reason), "by_admin": e.ByAdmin}
}

// DuoEnforcer is who enforced a group's setting, for the screens.
func (s *Store) DuoEnforcer(ctx context.Context, g *Group) (string, error) {
	if g.DuoEnforcedByID == nil {
		return "", nil
	}
	u, err := s.UserByID(ctx, *g.DuoEnforcedByID)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return u.Username, nil
}
