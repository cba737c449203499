package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/groups"
)

// GET /admin/groups
func (s *Server) getAdminGroups(c echo.Context) error {
	ctx := c.Request().Context()
	search := strings.TrimSpace(c.QueryParam("search"))
	list, err := s.store.ListGroups(ctx, models.GroupFilter{Search: search}, models.Page{Number: requestedPage(c)})
	if err != nil {
		return err
	}
	ids := make([]int64, len(list.Items))
	for i, g := range list.Items {
		ids[i] = g.ID
	}
	counts, err := s.store.CountsForGroups(ctx, ids)
	if err != nil {
		return err
	}
	query := url.Values{}
	if search != "" {
		query.Set("search", search)
	}
	ch := s.chrome(c, "Groups")
	ch.Nav = s.adminNav("Groups")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "Groups", Href: "/admin/groups"}}
	return ok(c, groups.AdminIndex(ch, groups.AdminIndexProps{Search: search, Groups: list, Counts: counts,
		Pager: components.Pager{Path: "/admin/groups", Query: query, Page: list.Page, TotalPages: list.TotalPages(), Total: list.Total}}))
}

// GET /admin/groups/new
func (s *Server) getAdminGroupsNew(c echo.Context) error {
	return s.renderNewGroup(c, http.StatusOK, nil, groups.GroupForm{}, nil)
}

// POST /admin/groups: a top-level group with its plan.
func (s *Server) postAdminGroups(c echo.Context) error {
	return s.createGroup(c, nil)
}
