package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/views/pages/dashboard"
)

// GET /: admins and auditors start in the Admin area, others see their groups.
func (s *Server) getHome(c echo.Context) error {
	v := viewer(c)
	if v.Admin || v.Auditor {
		return c.Redirect(http.StatusFound, "/admin")
	}
	groups, err := s.store.OwnedGroups(c.Request().Context(), v.ID)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "Home")
	ch.Nav = s.homeNav("Groups")
	return ok(c, dashboard.Home(ch, dashboard.HomeProps{OwnedGroups: groups}))
}
