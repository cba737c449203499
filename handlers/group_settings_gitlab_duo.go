package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
)

// groupSeatScope: on GitLab.com seats are bought and managed on a
// top-level group; subgroups and self-managed have no such page.
func (s *Server) groupSeatScope(c echo.Context) (seatScope, error) {
	g := currentGroup(c)
	if s.deployment != models.GitLabCom || !g.TopLevel() {
		return seatScope{}, errNotFound
	}
	base := "/groups/" + g.FullPath + "/-/"
	crumbs := groupCrumbs(nil, g)
	return seatScope{
		group: g, listPath: base + "settings/gitlab_duo", bulkPath: base + "usage_quotas/gitlab_duo",
		listCrumbs: append(crumbs[:len(crumbs):len(crumbs)], layouts.Crumb{Text: "GitLab Duo"}),
		bulkCrumbs: append(crumbs[:len(crumbs):len(crumbs)], layouts.Crumb{Text: "Usage Quotas"}),
		nav:        s.groupNav(g, "GitLab Duo"), configPath: groupDuoConfigPath(g), billingPath: base + "billings",
		exportName: exportSlug(g.FullPath), addOn: addOnParam(c),
	}, nil
}

// GET /groups/:path/-/settings/gitlab_duo
func (s *Server) getGroupSettingsGitlabDuo(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.showSeats(c, sc, false)
}

// POST /groups/:path/-/settings/gitlab_duo/assignments
func (s *Server) postGroupGitlabDuoAssignments(c echo.Context) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return s.toggleSeat(c, sc)
}
