package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
)

func flashValue(kind, text string) string { return kind + "|" + text }

// maxQueuedFlashes bounds the messages waiting in the cookie session: a
// client that posts again and again without loading a page would otherwise
// grow the cookie past what a browser keeps (4 KB) and fail the next save.
const maxQueuedFlashes = 3

// flash queues a message for the next page (the one after the redirect).
func (s *Server) flash(c echo.Context, kind, text string) { queueFlash(c, flashValue(kind, text)) }

// queueFlash adds a flash (a "kind|text" string or a layouts.Flash), keeping
// only the newest maxQueuedFlashes.
func queueFlash(c echo.Context, f any) {
	sess := session(c)
	queued := append(sess.Flashes(), f)
	if len(queued) > maxQueuedFlashes {
		queued = queued[len(queued)-maxQueuedFlashes:]
	}
	for _, q := range queued {
		sess.AddFlash(q)
	}
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
