package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// serveStatic serves the embedded static/ tree (our CSS/JS and the copied
// @gitlab/ui and @gitlab/svgs files).
func (s *Server) serveStatic(c echo.Context) error {
	if s.static == nil {
		return errNotFound
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(s.static))))(c)
}
