package handlers

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/duo"
)

// GET /admin/gitlab_duo on GitLab.com: the instance-wide, read-only GitLab
// Duo overview: every top-level group's purchases with their seats, and
// (?tab=always_off) the groups set to Always off. Each tab is one page of
// one SQL query, plus one for the page's seat counts.
func (s *Server) getAdminGitlabDuoCom(c echo.Context) error {
	ctx := c.Request().Context()
	page := models.Page{Number: requestedPage(c)}
	p := duo.ComOverviewProps{AlwaysOff: c.QueryParam("tab") == "always_off", Today: models.Today()}
	query := url.Values{}
	if p.AlwaysOff {
		query.Set("tab", "always_off")
		groups, err := s.store.ListAlwaysOffGroups(ctx, page)
		if err != nil {
			return err
		}
		p.Groups = groups
		p.Pager = components.Pager{Path: adminSeatsPath, Query: query, Page: groups.Page, TotalPages: groups.TotalPages(), Total: groups.Total}
	} else {
		purchases, err := s.store.ListGroupPurchases(ctx, page)
		if err != nil {
			return err
		}
		p.Purchases = purchases
		p.Pager = components.Pager{Path: adminSeatsPath, Query: query, Page: purchases.Page, TotalPages: purchases.TotalPages(), Total: purchases.Total}
	}
	ch := s.chrome(c, "GitLab Duo")
	ch.Nav = s.adminNav("GitLab Duo")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "GitLab Duo", Href: adminSeatsPath}}
	return ok(c, duo.ComOverview(ch, p))
}
