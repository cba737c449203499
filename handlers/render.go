package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
)

// chrome fills the frame every page shares; handlers add crumbs and nav.
func (s *Server) chrome(c echo.Context, title string) layouts.Chrome {
	v := viewer(c)
	ch := layouts.Chrome{Title: title, Viewer: v, CSRF: csrfToken(c), Deployment: s.deployment}
	if _, ok := c.Get(keySession).(*sessions.Session); ok {
		ch.Flashes = s.takeFlashes(c)
	}
	ch.ReadOnly = v != nil && v.ReadOnlyEverywhere()
	return ch
}

func render(c echo.Context, status int, page templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return page.Render(c.Request().Context(), c.Response())
}

func ok(c echo.Context, page templ.Component) error { return render(c, http.StatusOK, page) }

// invalid re-renders a form with its values and errors.
func invalid(c echo.Context, page templ.Component) error {
	return render(c, http.StatusUnprocessableEntity, page)
}
