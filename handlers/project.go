package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/projects"
)

// GET /:project_path
func (s *Server) getProject(c echo.Context) error {
	p, g := currentProject(c), currentGroup(c)
	ancestors, err := s.store.Ancestors(c.Request().Context(), g)
	if err != nil {
		return err
	}
	ch := s.chrome(c, p.Name)
	ch.Nav = s.projectNav(p, "Project overview")
	ch.Breadcrumbs = projectCrumbs(ancestors, g, p)
	return ok(c, projects.Show(ch, projects.ShowProps{Project: p, Group: g}))
}

// projectCrumbs is the group trail, then the project.
func projectCrumbs(ancestors []models.Group, g *models.Group, p *models.Project) []layouts.Crumb {
	return append(groupCrumbs(ancestors, g), layouts.Crumb{Text: p.Name, Href: "/" + p.FullPath})
}
