package handlers

// Temporary: each of these is being written in its own screen file by a
// teammate; this file is deleted when they land.

import "github.com/labstack/echo/v4"

func (s *Server) getAdminUsers(c echo.Context) error           { return errNotFound }
func (s *Server) getAdminUsersNew(c echo.Context) error        { return errNotFound }
func (s *Server) postAdminUsers(c echo.Context) error          { return errNotFound }
func (s *Server) getAdminUser(c echo.Context) error            { return errNotFound }
func (s *Server) getAdminUserEdit(c echo.Context) error        { return errNotFound }
func (s *Server) postAdminUser(c echo.Context) error           { return errNotFound }
func (s *Server) postAdminUserState(c echo.Context) error      { return errNotFound }
func (s *Server) getAdminGroups(c echo.Context) error          { return errNotFound }
func (s *Server) getAdminGroupsNew(c echo.Context) error       { return errNotFound }
func (s *Server) postAdminGroups(c echo.Context) error         { return errNotFound }
func (s *Server) getGroupsNew(c echo.Context) error            { return errNotFound }
func (s *Server) postGroups(c echo.Context) error              { return errNotFound }
func (s *Server) getProjectsNew(c echo.Context) error          { return errNotFound }
func (s *Server) postProjects(c echo.Context) error            { return errNotFound }
func (s *Server) getGroup(c echo.Context) error                { return errNotFound }
func (s *Server) getGroupMembers(c echo.Context) error         { return errNotFound }
func (s *Server) postGroupMembers(c echo.Context) error        { return errNotFound }
func (s *Server) postGroupMember(c echo.Context) error         { return errNotFound }
func (s *Server) postGroupMemberDelete(c echo.Context) error   { return errNotFound }
func (s *Server) getProject(c echo.Context) error              { return errNotFound }
func (s *Server) getProjectMembers(c echo.Context) error       { return errNotFound }
func (s *Server) postProjectMembers(c echo.Context) error      { return errNotFound }
func (s *Server) postProjectMember(c echo.Context) error       { return errNotFound }
func (s *Server) postProjectMemberDelete(c echo.Context) error { return errNotFound }
