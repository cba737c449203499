package handlers

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/userduo"
)

// GET /groups/:path/-/group_members/:id/gitlab_duo: :id is a membership
// the group's members page lists (its own or inherited from an ancestor).
// Owners see the seats and history of their top-level group's purchases
// on GitLab.com, and the instance's on self-managed.
func (s *Server) getGroupMemberGitlabDuo(c echo.Context) error {
	ctx := c.Request().Context()
	g := currentGroup(c)
	id, err := memberID(c)
	if err != nil {
		return err
	}
	m, err := s.store.GroupChainMember(ctx, g, id)
	if errors.Is(err, models.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	u, err := s.store.UserByID(ctx, m.UserID)
	if err != nil {
		return err
	}
	ancestors, err := s.store.Ancestors(ctx, g)
	if err != nil {
		return err
	}
	root := g
	if len(ancestors) > 0 {
		root = &ancestors[0]
	}
	sc := models.UserDuoScope{Deployment: s.deployment, GroupPage: true}
	scopeName := "this instance"
	if s.deployment == models.GitLabCom {
		rootID := root.ID
		sc.RootID, scopeName = &rootID, root.FullPath
	}
	membersHref := "/groups/" + g.FullPath + "/-/group_members"
	base := membersHref + "/" + strconv.FormatInt(m.ID, 10) + "/gitlab_duo"
	p, err := s.userDuoProps(c, u, sc, scopeName, base)
	if err != nil {
		return err
	}
	// The access explainer of a group lives on its top-level group, on
	// GitLab.com; self-managed has the admin area's only.
	if s.deployment == models.GitLabCom {
		p.AccessCheckHref = "/groups/" + root.FullPath + "/-/settings/gitlab_duo/access_check?" + url.Values{"user": {u.Username}}.Encode()
	}
	ch := s.chrome(c, u.Name+" · GitLab Duo")
	ch.Nav = s.groupNav(g, "Members")
	ch.Breadcrumbs = append(groupCrumbs(ancestors, g), layouts.Crumb{Text: "Members", Href: membersHref},
		layouts.Crumb{Text: u.Name, Href: base})
	return ok(c, userduo.GroupPage(ch, p, membersHref))
}
