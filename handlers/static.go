package handlers

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// serveStatic serves the embedded static/ tree (our CSS/JS and the copied
// @gitlab/ui and @gitlab/svgs files).
func (s *Server) serveStatic(c echo.Context) error {
	p := c.Param("*")
	if s.static == nil || !(strings.HasPrefix(p, "css/") || strings.HasPrefix(p, "js/") || strings.HasPrefix(p, "vendor/") || p == "favicon.svg") {
		return errNotFound
	}
	// Files only: http.FileServer would list a folder's contents.
	if st, err := fs.Stat(s.static, strings.TrimSuffix(p, "/")); err != nil || st.IsDir() {
		return errNotFound
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	// Go's MIME table has no .woff2, and nosniff would leave the font untyped.
	if strings.HasSuffix(p, ".woff2") {
		c.Response().Header().Set(echo.HeaderContentType, "font/woff2")
	}
	return echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(s.static))))(c)
}

// GET /favicon.ico: browsers ask for it whatever the page says.
func (s *Server) getFavicon(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, "/static/favicon.svg")
}
