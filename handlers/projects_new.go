package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/projects"
)

// GET /projects/new?namespace_id=ID
func (s *Server) getProjectsNew(c echo.Context) error {
	return s.renderNewProject(c, http.StatusOK, currentGroup(c), projects.ProjectForm{}, nil)
}

// POST /projects
func (s *Server) postProjects(c echo.Context) error {
	g := currentGroup(c)
	values := projects.ProjectForm{Name: c.FormValue("project[name]"), Path: c.FormValue("project[path]")}
	p, err := s.store.CreateProject(c.Request().Context(), models.ActorFor(viewer(c)), g,
		models.ProjectInput{Name: values.Name, Path: values.Path})
	if fe, ok := asFieldErrors(err); ok {
		return s.renderNewProject(c, http.StatusUnprocessableEntity, g, values, fe)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/"+p.FullPath, "success", fmt.Sprintf("Project '%s' was successfully created.", p.Name))
}

func (s *Server) renderNewProject(c echo.Context, status int, g *models.Group, values projects.ProjectForm, errs models.FieldErrors) error {
	ancestors, err := s.store.Ancestors(c.Request().Context(), g)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "New project")
	ch.Nav = s.groupNav(g, "Group overview")
	ch.Breadcrumbs = append(groupCrumbs(ancestors, g), layouts.Crumb{Text: "New project"})
	return render(c, status, projects.New(ch, projects.NewProps{Group: g, Values: values, Errs: errs}))
}
