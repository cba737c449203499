package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// GET /groups/:path/-/usage_quotas/gitlab_duo/history. Users are not
// linked: a group's GitLab Duo page for a user is per membership, and a
// user in the ledger may no longer have one.
func (s *Server) getGroupUsageQuotasGitlabDuoHistory(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.showSeatHistory(c, sc, func(*models.SeatEvent) string { return "" })
}

// GET /groups/:path/-/usage_quotas/gitlab_duo/history/export.csv
func (s *Server) getGroupUsageQuotasGitlabDuoHistoryCSV(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.exportSeatHistory(c, sc, false)
}

// GET /groups/:path/-/usage_quotas/gitlab_duo/history/export.ndjson
func (s *Server) getGroupUsageQuotasGitlabDuoHistoryNDJSON(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.exportSeatHistory(c, sc, true)
}
