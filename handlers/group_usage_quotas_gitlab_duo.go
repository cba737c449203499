package handlers

import "github.com/labstack/echo/v4"

// GET /groups/:path/-/usage_quotas/gitlab_duo
func (s *Server) getGroupUsageQuotasGitlabDuo(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.showSeats(c, sc, true)
}

// POST /groups/:path/-/usage_quotas/gitlab_duo/bulk
func (s *Server) postGroupUsageQuotasGitlabDuoBulk(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.bulkSeats(c, sc)
}

// GET /groups/:path/-/usage_quotas/gitlab_duo/export.csv
func (s *Server) getGroupUsageQuotasGitlabDuoCSV(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.exportSeats(c, sc)
}
