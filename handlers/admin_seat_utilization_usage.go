package handlers

import "github.com/labstack/echo/v4"

// GET /admin/gitlab_duo/seat_utilization/usage
func (s *Server) getAdminSeatUtilizationUsage(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.showUsage(c, sc)
}

// GET /admin/gitlab_duo/seat_utilization/usage/export.csv?chart=
func (s *Server) getAdminSeatUtilizationUsageCSV(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.exportUsage(c, sc)
}
