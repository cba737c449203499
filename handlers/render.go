package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"

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

// render writes a page only once it is whole: it is rendered into a
// buffer first, so a template that fails half-way becomes a logged 500
// page (handleError) instead of half a page sent with a 200.
func render(c echo.Context, status int, page templ.Component) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer pageBuffers.Put(buf)
	if err := page.Render(c.Request().Context(), buf); err != nil {
		return fmt.Errorf("render page: %w", err)
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// pageBuffers keeps the buffers pages render into: most pages are a few
// tens of kilobytes, so reusing them spares the garbage collector.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func ok(c echo.Context, page templ.Component) error { return render(c, http.StatusOK, page) }

// invalid re-renders a form with its values and errors.
func invalid(c echo.Context, page templ.Component) error {
	return render(c, http.StatusUnprocessableEntity, page)
}
