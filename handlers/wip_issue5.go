package handlers

// Temporary: these screens are being written in their own files; this file is deleted when they land.

import "github.com/labstack/echo/v4"

func (s *Server) postAdminSubscriptionQuantity(c echo.Context) error { return errNotFound }
