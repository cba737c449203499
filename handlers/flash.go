package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
)

func flashValue(kind, text string) string { return kind + "|" + text }

// flash queues a message for the next page (the one after the redirect).
func (s *Server) flash(c echo.Context, kind, text string) {
	session(c).AddFlash(flashValue(kind, text))
}

func (s *Server) takeFlashes(c echo.Context) []layouts.Flash {
	sess := session(c)
	raw := sess.Flashes()
	if len(raw) == 0 {
		return nil
	}
	_ = s.saveSession(c)
	out := make([]layouts.Flash, 0, len(raw))
	for _, r := range raw {
		if f, ok := r.(layouts.Flash); ok {
			out = append(out, f)
			continue
		}
		str, _ := r.(string)
		kind, text, ok := strings.Cut(str, "|")
		if !ok {
			kind, text = "info", str
		}
		out = append(out, layouts.Flash{Kind: kind, Text: text})
	}
	return out
}

// redirectWithFlash is the end of every successful form: 303 + message.
func (s *Server) redirectWithFlash(c echo.Context, to, kind, text string) error {
	s.flash(c, kind, text)
	if err := s.saveSession(c); err != nil {
		return err
	}
	return c.Redirect(303, to)
}
