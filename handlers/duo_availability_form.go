package handlers

import (
	"errors"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/duo"
)

// Shared by the GitLab Duo availability screens: binding the radios, the
// lock and effective value they show, and the confirmation step.

const duoField = "duo_availability"

// duoInput is the posted duo_availability radio. Disabled (locked) radios
// send nothing, which leaves the setting as it is.
type duoInput struct {
	Given bool
	Value models.Availability
}

func bindDuoAvailability(c echo.Context) (duoInput, models.FieldErrors) {
	v, given := lastFormValue(c, duoField)
	if !given {
		return duoInput{}, nil
	}
	a, err := models.ParseAvailability(v)
	if err != nil {
		return duoInput{Given: true}, models.FieldErrors{duoField: err.Error()}
	}
	return duoInput{Given: true, Value: a}, nil
}

// lastFormValue is the last posted value of name: a hidden default
// followed by a checkbox sends two, and the checkbox's must win.
func lastFormValue(c echo.Context, name string) (string, bool) {
	form, err := c.FormParams()
	if err != nil {
		return "", false
	}
	vals, ok := form[name]
	if !ok || len(vals) == 0 {
		return "", false
	}
	return vals[len(vals)-1], true
}

// duoFieldErrors turns the store's rule violations into a field error, so
// the form re-renders (422) instead of failing.
func duoFieldErrors(err error, field string) (models.FieldErrors, bool) {
	if isDuoRuleError(err) {
		return models.FieldErrors{field: err.Error()}, true
	}
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// isDuoRuleError: the availability rules refused the request (a lock, an
// enforcement, Always on where it is not offered), answered with 422.
func isDuoRuleError(err error) bool {
	return errors.As(err, new(*models.LockedError)) || errors.As(err, new(*models.EnforcedError)) ||
		errors.Is(err, models.ErrNilWhenLocking) || errors.Is(err, models.ErrAlwaysOnNotOffered)
}

// duoLock names whoever locks a setting; ancestors run from the top-level
// group down, so the locking group's full name is the names up to it. A
// locking group whose setting is enforced says so.
func duoLock(res models.DuoResolution, ancestors []models.Group) *components.DuoLock {
	if res.LockedBy == nil {
		return nil
	}
	if res.LockedBy.Kind == models.NodeInstance {
		return &components.DuoLock{ByInstance: true}
	}
	var names []string
	lock := &components.DuoLock{AncestorPath: res.LockedBy.FullPath}
	for _, a := range ancestors {
		names = append(names, a.Name)
		if a.ID == res.LockedBy.ID {
			if a.DuoEnforced() {
				lock.Enforced = &components.DuoEnforced{GroupPath: a.FullPath, ByAdmin: a.DuoEnforcedByAdmin, Reason: a.DuoEnforcedReason}
			}
			break
		}
	}
	lock.AncestorFullName = strings.Join(names, " / ")
	return lock
}

// duoOptions are the radios a scope offers: Always on only where GitLab
// offers it (models.AlwaysOnOffered).
func (s *Server) duoOptions(g *models.Group) []models.Availability {
	if models.AlwaysOnOffered(s.deployment, g) {
		return models.AllAvailabilities
	}
	return nil
}

func duoEffective(res models.DuoResolution) components.DuoEffective {
	return components.DuoEffective{Enabled: res.Enabled, Source: res.SourceLabel()}
}

// groupDuoProps shows a group's radios with the stored option: the only
// valid option a form is re-rendered for is one a lock refused, and then
// the lock's value is the one to show.
// An enforced group is read-only for its owners: shown as locked, by whom.
func (s *Server) groupDuoProps(c echo.Context, st models.GroupDuoState, errs models.FieldErrors) (components.DuoAvailabilityProps, error) {
	p := components.DuoAvailabilityProps{Scope: components.DuoScopeGroup, Selected: st.Availability(),
		Effective: duoEffective(st.Resolution), Lock: duoLock(st.Resolution, st.Ancestors), Errs: errs,
		Options: s.duoOptions(st.Group)}
	if g := st.Group; g.DuoEnforced() && p.Lock == nil {
		by, err := s.store.DuoEnforcer(c.Request().Context(), g)
		if err != nil {
			return p, err
		}
		p.Lock = &components.DuoLock{Enforced: &components.DuoEnforced{By: by, ByAdmin: g.DuoEnforcedByAdmin, Reason: g.DuoEnforcedReason}}
	}
	return p, nil
}

// previewGroupDuo validates a group's change, Always on included, and
// counts what it resets. The lock and enforcement refuse first, so a
// locked group answers with the lock whatever was asked.
func (s *Server) previewGroupDuo(c echo.Context, g *models.Group, a models.Availability) (models.CascadeImpact, error) {
	impact, err := s.store.PreviewGroupDuoChange(c.Request().Context(), g, models.ChangeFor(a))
	if err == nil && a == models.AlwaysOn && !models.AlwaysOnOffered(s.deployment, g) {
		err = models.ErrAlwaysOnNotOffered
	}
	return impact, err
}

// changeGroupDuo is the group screens' POST: unless the form confirmed it,
// Always off, or a change that resets descendants, returns the
// confirmation to show instead of applying. Rule violations come back as
// field errors.
func (s *Server) changeGroupDuo(c echo.Context, g *models.Group, in duoInput, experiment *bool) (confirm *duo.ConfirmProps, errs models.FieldErrors, err error) {
	ctx := c.Request().Context()
	var change models.DuoChange
	if in.Given {
		change = models.ChangeFor(in.Value)
		impact, err := s.previewGroupDuo(c, g, in.Value)
		if fe, ok := duoFieldErrors(err, duoField); ok {
			return nil, fe, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if c.FormValue("confirm") != "1" {
			if in.Value == models.NeverOn && !groupAlwaysOff(g) {
				pv, err := s.store.PreviewGroupAlwaysOff(ctx, g)
				if err != nil {
					return nil, nil, err
				}
				return alwaysOffConfirm(g.Name, pv, g.ExperimentFeaturesEnabled), nil, nil
			}
			if impact.Any() {
				return resetConfirm(impact, in.Value, false), nil, nil
			}
		}
	} else if experiment == nil {
		return nil, nil, nil
	}
	_, err = s.store.UpdateGroupDuo(ctx, models.ActorFor(viewer(c)), g, change, experiment)
	if fe, ok := duoFieldErrors(err, duoField); ok {
		return nil, fe, nil
	}
	return nil, nil, err
}

// groupAlwaysOff: the group itself is set to Always off already.
func groupAlwaysOff(g *models.Group) bool {
	return g.LockDuoFeaturesEnabled && (g.DuoFeaturesEnabled == nil || !*g.DuoFeaturesEnabled)
}

// cancelled: the confirmation's Cancel posted the form back, to be shown
// again with its values and nothing saved.
func cancelled(c echo.Context) bool {
	return c.FormValue("cancel") == "1"
}

// renderDuoConfirm shows a confirmation whose form posts the same fields
// again (with confirm=1, or cancel=1); the store re-validates them then.
func renderDuoConfirm(c echo.Context, ch layouts.Chrome, p *duo.ConfirmProps, action string) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(form))
	for name := range form {
		if name != csrfField && name != "confirm" && name != "cancel" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range form[name] {
			p.Fields = append(p.Fields, duo.Field{Name: name, Value: v})
		}
	}
	p.Action = action
	return ok(c, duo.Confirm(ch, *p))
}
