package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
)

// The availability map of a GitLab.com top-level group's tree, for its
// owners (only where the group has its GitLab Duo configuration page).
func (s *Server) groupMapScope(c echo.Context) (mapScope, error) {
	g, err := s.duoConfigGroup(c)
	if err != nil {
		return mapScope{}, err
	}
	return mapScope{root: g, base: "/groups/" + g.FullPath + "/-/settings/gitlab_duo/availability_map",
		chrome: func(title string) (layouts.Chrome, error) {
			ch, err := s.groupDuoChrome(c, g, title)
			if err == nil {
				ch.Breadcrumbs[len(ch.Breadcrumbs)-1] = layouts.Crumb{Text: "Availability map"}
			}
			return ch, err
		}}, nil
}

// GET /groups/:path/-/settings/gitlab_duo/availability_map
func (s *Server) getGroupGitlabDuoAvailabilityMap(c echo.Context) error {
	sc, err := s.groupMapScope(c)
	if err != nil {
		return err
	}
	return s.renderAvailabilityMap(c, http.StatusOK, sc, nil, "", nil)
}

// GET /groups/:path/-/settings/gitlab_duo/availability_map/export.yaml
func (s *Server) getGroupGitlabDuoAvailabilityMapYAML(c echo.Context) error {
	sc, err := s.groupMapScope(c)
	if err != nil {
		return err
	}
	return s.exportAvailabilityYAML(c, sc.root, sc.root.Path+"_duo_availability.yaml")
}

// POST /groups/:path/-/settings/gitlab_duo/availability_map/apply
func (s *Server) postGroupGitlabDuoAvailabilityMapApply(c echo.Context) error {
	sc, err := s.groupMapScope(c)
	if err != nil {
		return err
	}
	return s.applyAvailabilityYAML(c, sc)
}
