package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
)

const adminAccessCheckPath = "/admin/gitlab_duo/access_check"

// GET /admin/gitlab_duo/access_check?user=&feature=&context=&resource_kind=&resource_path=
func (s *Server) getAdminGitlabDuoAccessCheck(c echo.Context) error {
	ch := s.chrome(c, "Access check")
	ch.Nav = s.adminNav("Access check")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}}
	// GitLab.com has no instance GitLab Duo page to go back to.
	if s.deployment != models.GitLabCom {
		ch.Breadcrumbs = append(ch.Breadcrumbs, layouts.Crumb{Text: "GitLab Duo", Href: adminSeatsPath})
	}
	ch.Breadcrumbs = append(ch.Breadcrumbs, layouts.Crumb{Text: "Access check"})
	return s.showAccessCheck(c, accessCheckScope{path: adminAccessCheckPath, ch: ch})
}
