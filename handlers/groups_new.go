package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/groups"
)

// GET /groups/new?parent_id=ID: the new subgroup form. Without a parent it
// is a top-level group, which only the Admin area creates (the route's
// scope, parentGroupIn, decided who may be here).
func (s *Server) getGroupsNew(c echo.Context) error {
	parent := currentGroupOrNil(c)
	if parent == nil {
		return c.Redirect(http.StatusFound, "/admin/groups/new")
	}
	return s.renderNewGroup(c, http.StatusOK, parent, groups.GroupForm{}, nil)
}

// POST /groups
func (s *Server) postGroups(c echo.Context) error {
	return s.createGroup(c, currentGroupOrNil(c))
}

// createGroup makes a top-level group (parent nil) or a subgroup of parent.
func (s *Server) createGroup(c echo.Context, parent *models.Group) error {
	values := groups.GroupForm{Name: c.FormValue("group[name]"), Path: c.FormValue("group[path]")}
	if parent == nil {
		values.Plan = models.Plan(c.FormValue("group[plan]"))
	}
	g, err := s.store.CreateGroup(c.Request().Context(), models.ActorFor(viewer(c)), parent,
		models.GroupInput{Name: values.Name, Path: values.Path, Plan: values.Plan})
	if fe, ok := asFieldErrors(err); ok {
		return s.renderNewGroup(c, http.StatusUnprocessableEntity, parent, values, fe)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/groups/"+g.FullPath, "success", fmt.Sprintf("Group '%s' was successfully created.", g.Name))
}

func (s *Server) renderNewGroup(c echo.Context, status int, parent *models.Group, values groups.GroupForm, errs models.FieldErrors) error {
	p := groups.NewProps{Parent: parent, Values: values, Errs: errs, Cancel: "/admin/groups"}
	if parent == nil {
		ch := s.chrome(c, "New group")
		ch.Nav = s.adminNav("Groups")
		ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "Groups", Href: "/admin/groups"}, {Text: "New group"}}
		return render(c, status, groups.New(ch, p))
	}
	ancestors, err := s.store.Ancestors(c.Request().Context(), parent)
	if err != nil {
		return err
	}
	p.RootPlan, p.Cancel = rootPlan(parent, ancestors), "/groups/"+parent.FullPath
	ch := s.chrome(c, "New subgroup")
	ch.Nav = s.groupNav(parent, "Group overview")
	ch.Breadcrumbs = append(groupCrumbs(ancestors, parent), layouts.Crumb{Text: "New subgroup"})
	return render(c, status, groups.New(ch, p))
}

// rootPlan is the plan of g's top-level group, which all of its subtree uses.
func rootPlan(g *models.Group, ancestors []models.Group) models.Plan {
	if len(ancestors) > 0 {
		return ancestors[0].Plan
	}
	return g.Plan
}
