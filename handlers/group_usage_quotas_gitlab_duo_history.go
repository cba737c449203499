package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// GET /groups/:path/-/usage_quotas/gitlab_duo/history
func (s *Server) getGroupUsageQuotasGitlabDuoHistory(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.showSeatHistory(c, sc, s.groupSeatUserLinks(sc.group))
}

// groupSeatUserLinks links a username to the page the viewer may see:
// administrators and auditors to the user's page in the admin area; the
// group's owners to the GitLab Duo tab of the user's membership of the
// group, when the user still is a member of it (a user in the ledger may
// not be any more, or be a member of a subgroup or project only: then no
// link).
func (s *Server) groupSeatUserLinks(g *models.Group) seatUserLinks {
	return func(c echo.Context, evs []models.SeatEvent) (func(*models.SeatEvent) string, error) {
		if v := viewer(c); v.Admin || v.Auditor {
			return adminUserDuoHref, nil
		}
		ids := make([]int64, 0, len(evs))
		for _, e := range evs {
			ids = append(ids, e.UserID)
		}
		members, err := s.store.GroupMemberIDs(c.Request().Context(), g, ids)
		if err != nil {
			return nil, err
		}
		return func(e *models.SeatEvent) string {
			id, ok := members[e.UserID]
			if !ok {
				return ""
			}
			return "/groups/" + g.FullPath + "/-/group_members/" + strconv.FormatInt(id, 10) + "/gitlab_duo"
		}, nil
	}
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
