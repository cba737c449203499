package handlers

// Temporary: these screens are being written in their own files; this file is deleted when they land.

import "github.com/labstack/echo/v4"

func (s *Server) getAPIDuoAccess(c echo.Context) error               { return errNotFound }
func (s *Server) postAPICodeSuggestionsEnabled(c echo.Context) error { return errNotFound }
func (s *Server) getAPIUserDuo(c echo.Context) error                 { return errNotFound }
func (s *Server) postAPIDuoUsageEvents(c echo.Context) error         { return errNotFound }
