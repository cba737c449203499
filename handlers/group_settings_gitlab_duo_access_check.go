package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
)

// GET /groups/:path/-/settings/gitlab_duo/access_check: an owner explains
// access for the members of the group's hierarchy, with its resources.
func (s *Server) getGroupGitlabDuoAccessCheck(c echo.Context) error {
	g := currentGroup(c)
	ancestors, err := s.store.Ancestors(c.Request().Context(), g)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "Access check · "+g.Name)
	ch.Nav = s.groupNav(g, "Access check")
	ch.Breadcrumbs = append(groupCrumbs(ancestors, g), layouts.Crumb{Text: "Access check"})
	return s.showAccessCheck(c, accessCheckScope{path: "/groups/" + g.FullPath + "/-/settings/gitlab_duo/access_check", group: g, ch: ch})
}
