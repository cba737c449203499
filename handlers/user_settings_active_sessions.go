package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/usersettings"
)

// GET /-/user_settings/active_sessions: the browsers signed in to the
// viewer's account, as GitLab lists them.
func (s *Server) getActiveSessions(c echo.Context) error {
	return s.renderActiveSessions(c, http.StatusOK, "")
}

func (s *Server) renderActiveSessions(c echo.Context, status int, problem string) error {
	list, err := s.store.ActiveSessions(c.Request().Context(), viewer(c).ID, currentSessionToken(c), time.Now())
	if err != nil {
		return err
	}
	ch := s.chrome(c, "Active sessions")
	ch.Nav = s.userSettingsNav("Active sessions")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "User settings"}, {Text: "Active sessions"}}
	return render(c, status, usersettings.ActiveSessions(ch, usersettings.ActiveSessionsProps{Sessions: list, Error: problem}))
}

// POST /-/user_settings/active_sessions/revoke (field id): ends one of the
// viewer's other sessions, audited. The current one ends by signing out.
func (s *Server) postRevokeActiveSession(c echo.Context) error {
	id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return s.renderActiveSessions(c, http.StatusUnprocessableEntity, "Choose a session to revoke.")
	}
	v := viewer(c)
	err = s.store.RevokeSession(c.Request().Context(), models.ActorFor(v), v.ID, id, currentSessionToken(c))
	switch {
	case errors.Is(err, models.ErrCurrentSession):
		return s.renderActiveSessions(c, http.StatusUnprocessableEntity, "This is your current session. Sign out to end it.")
	case errors.Is(err, models.ErrNotFound):
		// Another user's session, or one that has ended: nothing to see.
		return errNotFound
	case err != nil:
		return err
	}
	return s.redirectWithFlash(c, usersettings.ActiveSessionsPath, "success", "The session was revoked.")
}
