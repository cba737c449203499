package handlers

import (
	"encoding/gob"

	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
)

// The session cookie is gob-encoded: an alert with a title and a link
// travels as a whole layouts.Flash.
func init() { gob.Register(layouts.Flash{}) }

// redirectWithAlert is redirectWithFlash for an alert with a title, a body
// and an optional action link (GitLab's "No seats available" + "Add seats").
func (s *Server) redirectWithAlert(c echo.Context, to string, f layouts.Flash) error {
	queueFlash(c, f)
	if err := s.saveSession(c); err != nil {
		return err
	}
	return c.Redirect(303, to)
}
