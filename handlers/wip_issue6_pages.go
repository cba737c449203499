package handlers

// Temporary: these screens are being written in their own files; this file is deleted when they land.

import "github.com/labstack/echo/v4"

func (s *Server) getAdminGitlabDuoAccessCheck(c echo.Context) error { return errNotFound }
func (s *Server) getAdminGitlabDuoHealthCheck(c echo.Context) error { return errNotFound }
func (s *Server) getGroupGitlabDuoAccessCheck(c echo.Context) error { return errNotFound }
func (s *Server) getGroupGitlabDuoHealthCheck(c echo.Context) error { return errNotFound }
func (s *Server) getProfileGitlabDuo(c echo.Context) error          { return errNotFound }
