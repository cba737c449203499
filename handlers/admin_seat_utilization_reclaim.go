package handlers

import "github.com/labstack/echo/v4"

// GET /admin/gitlab_duo/seat_utilization/reclaim
func (s *Server) getAdminSeatUtilizationReclaim(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.showReclaim(c, sc)
}

// POST /admin/gitlab_duo/seat_utilization/reclaim
func (s *Server) postAdminSeatUtilizationReclaim(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.postReclaim(c, sc)
}
