package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
	"duoadmin/views/pages/admin"
)

// GET /admin
func (s *Server) getAdmin(c echo.Context) error {
	ctx := c.Request().Context()
	var p admin.OverviewProps
	var err error
	if p.Users, err = s.store.CountUsers(ctx); err != nil {
		return err
	}
	if p.Groups, err = s.store.CountGroups(ctx); err != nil {
		return err
	}
	if p.Projects, err = s.store.CountProjects(ctx); err != nil {
		return err
	}
	st, err := s.store.InstanceSettings(ctx)
	if err != nil {
		return err
	}
	p.Plan, p.Deployment = st.Plan, s.deployment
	ch := s.chrome(c, "Admin area")
	ch.Nav = s.adminNav("Overview")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}}
	return ok(c, admin.Overview(ch, p))
}
