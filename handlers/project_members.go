package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
)

func (s *Server) projectMembersScope(c echo.Context) (membersScope, error) {
	p, g := currentProject(c), currentGroup(c)
	ancestors, err := s.store.Ancestors(c.Request().Context(), g)
	if err != nil {
		return membersScope{}, err
	}
	base := "/" + p.FullPath + "/-/project_members"
	return membersScope{
		src: models.ProjectSource(p, g), inheritedFrom: append(g.AncestorIDs(), g.ID),
		heading: "Project members", sourceName: p.Name, base: base,
		nav:    s.projectNav(p, "Members"),
		crumbs: append(projectCrumbs(ancestors, g, p), layouts.Crumb{Text: "Members", Href: base}),
	}, nil
}

// GET /:project_path/-/project_members
func (s *Server) getProjectMembers(c echo.Context) error {
	sc, err := s.projectMembersScope(c)
	if err != nil {
		return err
	}
	return s.listMembers(c, sc)
}

// POST /:project_path/-/project_members
func (s *Server) postProjectMembers(c echo.Context) error {
	sc, err := s.projectMembersScope(c)
	if err != nil {
		return err
	}
	return s.inviteMember(c, sc)
}

// POST /:project_path/-/project_members/:id
func (s *Server) postProjectMember(c echo.Context) error {
	sc, err := s.projectMembersScope(c)
	if err != nil {
		return err
	}
	return s.changeMemberRole(c, sc)
}

// POST /:project_path/-/project_members/:id/delete
func (s *Server) postProjectMemberDelete(c echo.Context) error {
	sc, err := s.projectMembersScope(c)
	if err != nil {
		return err
	}
	return s.removeMember(c, sc)
}
