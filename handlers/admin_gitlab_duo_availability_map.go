package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
)

const adminMapPath = "/admin/gitlab_duo/availability_map"

func (s *Server) adminMapScope(c echo.Context) mapScope {
	return mapScope{base: adminMapPath, chrome: func(title string) (layouts.Chrome, error) {
		ch := s.adminDuoChrome(c, title)
		ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "GitLab Duo", Href: "/admin/gitlab_duo"}, {Text: "Availability map"}}
		return ch, nil
	}}
}

// GET /admin/gitlab_duo/availability_map
func (s *Server) getAdminGitlabDuoAvailabilityMap(c echo.Context) error {
	return s.renderAvailabilityMap(c, http.StatusOK, s.adminMapScope(c), nil, "", nil)
}

// GET /admin/gitlab_duo/availability_map/export.yaml
func (s *Server) getAdminGitlabDuoAvailabilityMapYAML(c echo.Context) error {
	return s.exportAvailabilityYAML(c, nil, "duo_availability.yaml")
}

// POST /admin/gitlab_duo/availability_map/apply
func (s *Server) postAdminGitlabDuoAvailabilityMapApply(c echo.Context) error {
	return s.applyAvailabilityYAML(c, s.adminMapScope(c))
}
