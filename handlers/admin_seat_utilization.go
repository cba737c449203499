package handlers

import "github.com/labstack/echo/v4"

// GET /admin/gitlab_duo/seat_utilization
func (s *Server) getAdminSeatUtilization(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.showSeats(c, sc, true)
}

// POST /admin/gitlab_duo/seat_utilization/bulk
func (s *Server) postAdminSeatUtilizationBulk(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.bulkSeats(c, sc)
}

// GET /admin/gitlab_duo/seat_utilization/export.csv
func (s *Server) getAdminSeatUtilizationCSV(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.exportSeats(c, sc)
}
