package handlers

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/admin"
)

// POST /admin/users/:username/sessions/revoke: signs the user out of every
// browser at once (audited). They can sign in again.
func (s *Server) postAdminUserSessionsRevoke(c echo.Context) error {
	u, err := s.adminUserParam(c)
	if err != nil {
		return err
	}
	n, err := s.store.RevokeUserSessions(c.Request().Context(), models.ActorFor(viewer(c)), u.ID)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Revoked %d sessions of %s.", n, u.Name)
	switch n {
	case 0:
		msg = u.Name + " had no active sessions."
	case 1:
		msg = "Revoked 1 session of " + u.Name + "."
	}
	return s.redirectWithFlash(c, admin.UserPath(u), "success", msg)
}
