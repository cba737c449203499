package handlers

import (
	"errors"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/admin"
)

// adminUserParam loads the user named by :username.
func (s *Server) adminUserParam(c echo.Context) (*models.User, error) {
	u, err := s.store.UserByUsername(c.Request().Context(), c.Param("username"))
	if errors.Is(err, models.ErrNotFound) {
		return nil, errNotFound
	}
	return u, err
}

// adminUserChrome is the frame of every tab of a user's admin page.
func (s *Server) adminUserChrome(c echo.Context, u *models.User) layouts.Chrome {
	ch := s.chrome(c, u.Name)
	ch.Nav = s.adminNav("Users")
	ch.Breadcrumbs = adminUsersCrumbs(layouts.Crumb{Text: u.Name, Href: admin.UserPath(u)})
	return ch
}

// GET /admin/users/:username
func (s *Server) getAdminUser(c echo.Context) error {
	u, err := s.adminUserParam(c)
	if err != nil {
		return err
	}
	sessions, err := s.store.CountActiveSessions(c.Request().Context(), u.ID, time.Now())
	if err != nil {
		return err
	}
	return ok(c, admin.User(s.adminUserChrome(c, u), admin.UserProps{User: u, Self: u.ID == viewer(c).ID, ActiveSessions: sessions}))
}

// GET /admin/users/:username/edit
func (s *Server) getAdminUserEdit(c echo.Context) error {
	u, err := s.adminUserParam(c)
	if err != nil {
		return err
	}
	values := admin.UserFormValues{Name: u.Name, Username: u.Username, Email: u.Email, PublicEmail: u.PublicEmail,
		AccessLevel: admin.UserAccessLevel(u)}
	return ok(c, s.adminUserForm(c, admin.UserFormProps{User: u, Values: values, Self: adminEditsSelf(c, u)}))
}

// adminEditsSelf: an admin must not remove their own admin access, or the
// instance may be left without one.
func adminEditsSelf(c echo.Context, u *models.User) bool { return u.ID == viewer(c).ID && u.Admin }

// POST /admin/users/:username
func (s *Server) postAdminUser(c echo.Context) error {
	u, err := s.adminUserParam(c)
	if err != nil {
		return err
	}
	self := adminEditsSelf(c, u)
	values := adminUserFormValues(c, admin.UserAccessLevel(u))
	in, errs := adminUserInput(values, c.FormValue("user[password]"))
	if self && values.AccessLevel != "admin" {
		errs.Add("access_level", "must stay Administrator: you cannot remove your own administrator access")
	}
	again := func(errs models.FieldErrors) error {
		return invalid(c, s.adminUserForm(c, admin.UserFormProps{User: u, Values: values, Errors: errs, Self: self}))
	}
	if len(errs) > 0 {
		return again(errs)
	}
	// The form cannot express admin and auditor at once (an import can):
	// an unchanged access level keeps both flags as they are.
	if values.AccessLevel == admin.UserAccessLevel(u) {
		in.Admin, in.Auditor = u.Admin, u.Auditor
	}
	in.Bot = u.Bot
	updated, err := s.store.UpdateUser(c.Request().Context(), models.ActorFor(viewer(c)), u.ID, in)
	if errors.As(err, &errs) {
		return again(errs)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, admin.UserPath(updated), "success", "User was successfully updated.")
}

type adminUserStateAction struct {
	to   models.UserState
	from []models.UserState
	done string // "blocked", for the flash
	// lockout: the action would lock the admin out if done to themselves.
	lockout bool
}

// adminUserStateActions follow GitLab's user state machine.
var adminUserStateActions = map[string]adminUserStateAction{
	"block":      {models.StateBlocked, []models.UserState{models.StateActive, models.StateDeactivated}, "blocked", true},
	"unblock":    {models.StateActive, []models.UserState{models.StateBlocked}, "unblocked", false},
	"ban":        {models.StateBanned, []models.UserState{models.StateActive}, "banned", true},
	"unban":      {models.StateActive, []models.UserState{models.StateBanned}, "unbanned", false},
	"deactivate": {models.StateDeactivated, []models.UserState{models.StateActive}, "deactivated", true},
	"activate":   {models.StateActive, []models.UserState{models.StateDeactivated}, "activated", false},
}

// POST /admin/users/:username/:state_action
func (s *Server) postAdminUserState(c echo.Context) error {
	name := c.Param("state_action")
	act, found := adminUserStateActions[name]
	if !found {
		return errNotFound
	}
	u, err := s.adminUserParam(c)
	if err != nil {
		return err
	}
	back := admin.UserPath(u)
	if act.lockout && u.ID == viewer(c).ID {
		return s.redirectWithFlash(c, back, "danger", "You cannot "+name+" yourself.")
	}
	_, err = s.store.ChangeUserState(c.Request().Context(), models.ActorFor(viewer(c)), u.ID, act.from, act.to)
	if errors.Is(err, models.ErrStateTransition) {
		return s.redirectWithFlash(c, back, "danger", "Error occurred. User was not "+act.done)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, back, "success", "Successfully "+act.done)
}
