package handlers

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/users"
)

const invalidLogin = "Invalid login or password."

const msgLDAPUnavailable = "Could not authenticate you from LDAP because the LDAP server is unavailable. Try again later."

// checkSignInPassword: on self-managed, users who have an LDAP entry sign
// in with their LDAP password (models.Store.CheckSignInPassword says who
// and what an outage does); GitLab.com has no instance LDAP server.
func (s *Server) checkSignInPassword(c echo.Context, u *models.User, login, password string) (models.PasswordCheck, error) {
	if s.deployment != models.SelfManaged {
		return models.PasswordCheck{OK: s.store.SignInPasswordMatches(u, password)}, nil
	}
	check, err := s.store.CheckSignInPassword(c.Request().Context(), u, login, password)
	if check.LDAPErr != nil {
		// Never the login or the password: the server's error only.
		s.log.Warn("LDAP sign-in unavailable", "request_id", c.Get(keyRequestID), "error", check.LDAPErr.Error(),
			"fallback", !check.LDAPUnavailable)
	}
	return check, err
}

// GET /users/sign_in
func (s *Server) getSignIn(c echo.Context) error {
	if viewer(c) != nil {
		return c.Redirect(http.StatusFound, "/")
	}
	return ok(c, users.SignIn(s.chrome(c, "Sign in"), users.SignInProps{}))
}

// POST /users/sign_in
func (s *Server) postSignIn(c echo.Context) error {
	ctx := c.Request().Context()
	login, password := c.FormValue("user[login]"), c.FormValue("user[password]")
	again := func(status int, msg string) error {
		return render(c, status, users.SignIn(s.chrome(c, "Sign in"), users.SignInProps{Login: login, Error: msg}))
	}
	now := time.Now()
	// The account is found first: its failures count together whatever
	// login named it.
	u, err := s.store.UserByLogin(ctx, models.NormalizeLogin(login))
	if err != nil && err != models.ErrNotFound {
		return err
	}
	attempt := models.SignInAttempt{User: u, Login: login, IP: c.RealIP()}
	if until, err := s.store.SignInLockedUntil(ctx, attempt, now); err != nil {
		return err
	} else if !until.IsZero() {
		mins := int(math.Ceil(until.Sub(now).Minutes()))
		return again(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-in attempts. Try again in %d minutes.", mins))
	}
	// An unknown login is compared with a dummy hash: it takes as long.
	check, err := s.checkSignInPassword(c, u, login, password)
	if err != nil {
		return err
	}
	if check.LDAPUnavailable {
		// Nothing was checked, so nothing counts against the account.
		return again(http.StatusServiceUnavailable, msgLDAPUnavailable)
	}
	if !check.OK {
		if err := s.store.RecordSignInFailure(ctx, attempt, now); err != nil {
			return err
		}
		return again(http.StatusUnprocessableEntity, invalidLogin)
	}
	switch {
	case u.Bot:
		return again(http.StatusUnprocessableEntity, invalidLogin)
	case u.State == models.StateBlocked || u.State == models.StateBanned:
		return again(http.StatusUnprocessableEntity, "Your account has been blocked. Contact your GitLab administrator if you think this is an error.")
	case u.State == models.StateDeactivated:
		// GitLab reactivates a deactivated user who signs in again.
		if u, err = s.store.SetUserState(ctx, models.ActorFor(u), u.ID, models.StateActive); err != nil {
			return err
		}
	}
	if err := s.store.ClearSignInFailures(ctx, u); err != nil {
		return err
	}
	returnTo, _ := session(c).Values["return_to"].(string)
	if err := s.startSession(c, u); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, safeReturnTo(returnTo))
}

// POST /users/sign_out
func (s *Server) postSignOut(c echo.Context) error {
	if err := s.endSession(c); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/users/sign_in", "info", "Signed out successfully.")
}
