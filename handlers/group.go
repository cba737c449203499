package handlers

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/pages/groups"
)

// GET /groups/:path
func (s *Server) getGroup(c echo.Context) error {
	ctx := c.Request().Context()
	g := currentGroup(c)
	ancestors, err := s.store.Ancestors(ctx, g)
	if err != nil {
		return err
	}
	children, err := s.store.GroupChildren(ctx, g, models.Page{Number: requestedPage(c)})
	if err != nil {
		return err
	}
	invited, err := s.store.InvitedGroups(ctx, g.ID)
	if err != nil {
		return err
	}
	ch := s.chrome(c, g.Name)
	ch.Nav = s.groupNav(g, "Group overview")
	ch.Breadcrumbs = groupCrumbs(ancestors, g)
	base := "/groups/" + g.FullPath
	return ok(c, groups.Show(ch, groups.ShowProps{Group: g, RootPlan: rootPlan(g, ancestors), Children: children, Invited: invited,
		Pager: components.Pager{Path: base, Query: url.Values{}, Page: children.Page, TotalPages: children.TotalPages(), Total: children.Total}}))
}
