package handlers

import "github.com/labstack/echo/v4"

// GET /groups/:path/-/usage_quotas/gitlab_duo/usage
func (s *Server) getGroupUsageQuotasGitlabDuoUsage(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.showUsage(c, sc)
}

// GET /groups/:path/-/usage_quotas/gitlab_duo/usage/export.csv?chart=
func (s *Server) getGroupUsageQuotasGitlabDuoUsageCSV(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.exportUsage(c, sc)
}
