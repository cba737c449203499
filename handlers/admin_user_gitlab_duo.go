package handlers

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/pages/admin"
	"duoadmin/views/pages/userduo"
)

// userDuoProps loads a user's GitLab Duo tab in scope; base is the tab's
// URL, for the history's pagination.
func (s *Server) userDuoProps(c echo.Context, u *models.User, sc models.UserDuoScope, scopeName, base string) (userduo.Props, error) {
	ctx := c.Request().Context()
	p := userduo.Props{User: u, Deployment: s.deployment, GroupPage: sc.GroupPage, Scope: scopeName, Today: models.Today()}
	var err error
	if p.Seats, err = s.store.UserSeats(ctx, sc, u.ID); err != nil {
		return p, err
	}
	if p.Coverage, err = s.store.UserDuoCoverage(ctx, sc, u.ID); err != nil {
		return p, err
	}
	number := pageParam(c.QueryParam("page"))
	if p.History, err = s.store.UserSeatHistory(ctx, sc, u.ID, models.Page{Number: number}); err != nil {
		return p, err
	}
	p.Pager = components.Pager{Path: base, Query: url.Values{}, Page: p.History.Page, TotalPages: p.History.TotalPages(), Total: p.History.Total}
	ids := map[int64]bool{}
	for _, e := range p.History.Items {
		ids[e.AddOnPurchaseID] = true
	}
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	p.Purchases, err = s.store.PurchaseLabels(ctx, list)
	return p, err
}

// GET /admin/users/:username/gitlab_duo
func (s *Server) getAdminUserGitlabDuo(c echo.Context) error {
	u, err := s.adminUserParam(c)
	if err != nil {
		return err
	}
	scopeName := "this instance"
	if s.deployment == models.GitLabCom {
		scopeName = "any group"
	}
	p, err := s.userDuoProps(c, u, models.UserDuoScope{Deployment: s.deployment}, scopeName, admin.UserPath(u)+"/gitlab_duo")
	if err != nil {
		return err
	}
	p.AccessCheckHref = "/admin/gitlab_duo/access_check?" + url.Values{"user": {u.Username}}.Encode()
	return ok(c, userduo.AdminPage(s.adminUserChrome(c, u), p))
}
