package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
)

func (s *Server) groupMembersScope(c echo.Context) (membersScope, error) {
	g := currentGroup(c)
	ancestors, err := s.store.Ancestors(c.Request().Context(), g)
	if err != nil {
		return membersScope{}, err
	}
	base := "/groups/" + g.FullPath + "/-/group_members"
	return membersScope{
		src: models.GroupSource(g), inheritedFrom: g.AncestorIDs(),
		heading: "Group members", sourceName: g.Name, base: base,
		nav:    s.groupNav(g, "Members"),
		crumbs: append(groupCrumbs(ancestors, g), layouts.Crumb{Text: "Members", Href: base}),
	}, nil
}

// GET /groups/:path/-/group_members
func (s *Server) getGroupMembers(c echo.Context) error {
	sc, err := s.groupMembersScope(c)
	if err != nil {
		return err
	}
	return s.listMembers(c, sc)
}

// POST /groups/:path/-/group_members
func (s *Server) postGroupMembers(c echo.Context) error {
	sc, err := s.groupMembersScope(c)
	if err != nil {
		return err
	}
	return s.inviteMember(c, sc)
}

// POST /groups/:path/-/group_members/:id
func (s *Server) postGroupMember(c echo.Context) error {
	sc, err := s.groupMembersScope(c)
	if err != nil {
		return err
	}
	return s.changeMemberRole(c, sc)
}

// POST /groups/:path/-/group_members/:id/delete
func (s *Server) postGroupMemberDelete(c echo.Context) error {
	sc, err := s.groupMembersScope(c)
	if err != nil {
		return err
	}
	return s.removeMember(c, sc)
}
