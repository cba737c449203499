package handlers

import "github.com/labstack/echo/v4"

// GET /groups/:path/-/usage_quotas/gitlab_duo/reclaim
func (s *Server) getGroupUsageQuotasGitlabDuoReclaim(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.showReclaim(c, sc)
}

// POST /groups/:path/-/usage_quotas/gitlab_duo/reclaim
func (s *Server) postGroupUsageQuotasGitlabDuoReclaim(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.postReclaim(c, sc)
}
