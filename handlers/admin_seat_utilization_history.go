package handlers

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// GET /admin/gitlab_duo/seat_utilization/history
func (s *Server) getAdminSeatUtilizationHistory(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.showSeatHistory(c, sc, adminUserDuoLinks)
}

// GET /admin/gitlab_duo/seat_utilization/history/export.csv
func (s *Server) getAdminSeatUtilizationHistoryCSV(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.exportSeatHistory(c, sc, false)
}

// GET /admin/gitlab_duo/seat_utilization/history/export.ndjson
func (s *Server) getAdminSeatUtilizationHistoryNDJSON(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.exportSeatHistory(c, sc, true)
}

// adminUserDuoHref is the user's GitLab Duo page in the Admin area; a
// user deleted since has none.
// adminUserDuoLinks: the admin area links every user to their GitLab Duo
// page there.
func adminUserDuoLinks(echo.Context, []models.SeatEvent) (func(*models.SeatEvent) string, error) {
	return adminUserDuoHref, nil
}

func adminUserDuoHref(e *models.SeatEvent) string {
	if e.Username == "" {
		return ""
	}
	return "/admin/users/" + url.PathEscape(e.Username) + "/gitlab_duo"
}
