package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
)

const adminSeatsPath = "/admin/gitlab_duo"

// adminSeatScope: self-managed manages the instance's purchase here;
// GitLab.com has no instance seats.
func (s *Server) adminSeatScope(c echo.Context) (seatScope, error) {
	if s.deployment == models.GitLabCom {
		return seatScope{}, errNotFound
	}
	crumbs := []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "GitLab Duo", Href: adminSeatsPath}}
	return seatScope{
		listPath: adminSeatsPath, bulkPath: adminSeatsPath + "/seat_utilization",
		listCrumbs: crumbs, bulkCrumbs: append(crumbs[:2:2], layouts.Crumb{Text: "Seat utilization"}),
		nav: s.adminNav("GitLab Duo"), configPath: adminDuoPath, billingPath: "/admin/subscription",
		exportName: "instance", addOn: addOnParam(c),
	}, nil
}

// GET /admin/gitlab_duo
func (s *Server) getAdminGitlabDuo(c echo.Context) error {
	if s.deployment == models.GitLabCom {
		return s.getAdminGitlabDuoCom(c)
	}
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.showSeats(c, sc, false)
}

// POST /admin/gitlab_duo/assignments
func (s *Server) postAdminGitlabDuoAssignments(c echo.Context) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return s.toggleSeat(c, sc)
}
