package handlers

import (
	"errors"
	"fmt"
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
	if errors.As(err, new(*models.LockedError)) || errors.Is(err, models.ErrNilWhenLocking) {
		return models.FieldErrors{field: err.Error()}, true
	}
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// duoLock names whoever locks a setting; ancestors run from the top-level
// group down, so the locking group's full name is the names up to it.
func duoLock(res models.DuoResolution, ancestors []models.Group) *components.DuoLock {
	if res.LockedBy == nil {
		return nil
	}
	if res.LockedBy.Kind == models.NodeInstance {
		return &components.DuoLock{ByInstance: true}
	}
	var names []string
	for _, a := range ancestors {
		names = append(names, a.Name)
		if a.ID == res.LockedBy.ID {
			break
		}
	}
	return &components.DuoLock{AncestorPath: res.LockedBy.FullPath, AncestorFullName: strings.Join(names, " / ")}
}

func duoEffective(res models.DuoResolution) components.DuoEffective {
	return components.DuoEffective{Enabled: res.Enabled, Source: res.SourceLabel()}
}

// groupDuoProps shows a group's radios with the stored option: the only
// valid option a form is re-rendered for is one a lock refused, and then
// the lock's value is the one to show.
func groupDuoProps(st models.GroupDuoState, errs models.FieldErrors) components.DuoAvailabilityProps {
	return components.DuoAvailabilityProps{Scope: components.DuoScopeGroup, Selected: st.Availability(),
		Effective: duoEffective(st.Resolution), Lock: duoLock(st.Resolution, st.Ancestors), Errs: errs}
}

// resetMessage is the confirmation text: "This resets 2 subgroups and 3
// projects to Off by default" ("groups" for the instance).
func resetMessage(n models.CascadeImpact, a models.Availability, instance bool) string {
	groupWord := "subgroup"
	if instance {
		groupWord = "group"
	}
	return fmt.Sprintf("This resets %s and %s to %s", countOf(n.Subgroups, groupWord), countOf(n.Projects, "project"), a.Title())
}

func countOf(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// changeGroupDuo is the group screens' POST: unless the form confirmed it,
// a change that resets descendants returns the confirmation message
// instead of applying. Rule violations come back as field errors.
func (s *Server) changeGroupDuo(c echo.Context, g *models.Group, in duoInput, experiment *bool) (confirm string, errs models.FieldErrors, err error) {
	ctx := c.Request().Context()
	var change models.DuoChange
	if in.Given {
		change = models.ChangeFor(in.Value)
		if c.FormValue("confirm") != "1" {
			impact, err := s.store.PreviewGroupDuoChange(ctx, g, change)
			if fe, ok := duoFieldErrors(err, duoField); ok {
				return "", fe, nil
			}
			if err != nil {
				return "", nil, err
			}
			if impact.Any() {
				return resetMessage(impact, in.Value, false), nil, nil
			}
		}
	} else if experiment == nil {
		return "", nil, nil
	}
	_, err = s.store.UpdateGroupDuo(ctx, models.ActorFor(viewer(c)), g, change, experiment)
	if fe, ok := duoFieldErrors(err, duoField); ok {
		return "", fe, nil
	}
	return "", nil, err
}

// renderDuoConfirm asks before resetting descendants. Its form posts the
// same fields again with confirm=1; the store re-validates them then.
func renderDuoConfirm(c echo.Context, ch layouts.Chrome, message, action, cancel string) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(form))
	for name := range form {
		if name != csrfField && name != "confirm" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var fields []duo.Field
	for _, name := range names {
		for _, v := range form[name] {
			fields = append(fields, duo.Field{Name: name, Value: v})
		}
	}
	return ok(c, duo.Confirm(ch, duo.ConfirmProps{Message: message, Action: action, Fields: fields, Cancel: cancel}))
}
