package handlers

// Temporary: these screens are being written in their own files; this file is deleted when they land.

import "github.com/labstack/echo/v4"

func (s *Server) getAdminDuoSelfHosted(c echo.Context) error                { return errNotFound }
func (s *Server) getAdminDuoSelfHostedNew(c echo.Context) error             { return errNotFound }
func (s *Server) postAdminDuoSelfHosted(c echo.Context) error               { return errNotFound }
func (s *Server) getAdminDuoSelfHostedEdit(c echo.Context) error            { return errNotFound }
func (s *Server) postAdminDuoSelfHostedUpdate(c echo.Context) error         { return errNotFound }
func (s *Server) postAdminDuoSelfHostedDelete(c echo.Context) error         { return errNotFound }
func (s *Server) postAdminDuoSelfHostedTestConnection(c echo.Context) error { return errNotFound }
func (s *Server) postAdminDuoSelfHostedFeatures(c echo.Context) error       { return errNotFound }
