package handlers

// Temporary: these screens are being written in their own files; this file is deleted when they land.

import "github.com/labstack/echo/v4"

func (s *Server) getAdminAuditEvents(c echo.Context) error     { return errNotFound }
func (s *Server) getAdminAuditEventsCSV(c echo.Context) error  { return errNotFound }
func (s *Server) getAdminUserGitlabDuo(c echo.Context) error   { return errNotFound }
func (s *Server) getGroupAuditEvents(c echo.Context) error     { return errNotFound }
func (s *Server) getGroupAuditEventsCSV(c echo.Context) error  { return errNotFound }
func (s *Server) getGroupMemberGitlabDuo(c echo.Context) error { return errNotFound }
func (s *Server) getAPIAuditEvents(c echo.Context) error       { return errNotFound }
func (s *Server) getAPIGroupAuditEvents(c echo.Context) error  { return errNotFound }
