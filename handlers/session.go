package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

const (
	sessionCookie = "_duoadmin_session"
	csrfField     = "authenticity_token"
	csrfHeader    = "X-CSRF-Token"
	keySession    = "session"
	keyViewer     = "viewer"
	sessionUserID = "uid"
	sessionCSRF   = "csrf"
	// signedOutMaxAge is how long a visitor's signed-out cookie (CSRF
	// token, flash) lasts; signed-in sessions last as models says.
	signedOutMaxAge = 7 * 24 * 3600
)

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func session(c echo.Context) *sessions.Session { return c.Get(keySession).(*sessions.Session) }

func (s *Server) saveSession(c echo.Context) error {
	return session(c).Save(c.Request(), c.Response())
}

// loadSession reads the session (a database row for a signed-in user, see
// session_store.go) and re-checks the signed-in user on every request, so
// a user blocked by any path is signed out at once.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, err := s.sessions.Get(c.Request(), sessionCookie)
		if err != nil {
			return err
		}
		c.Set(keySession, sess)
		dirty := false
		if _, ok := sess.Values[sessionCSRF].(string); !ok {
			sess.Values[sessionCSRF] = randomToken()
			dirty = true
		}
		if uid, ok := sess.Values[sessionUserID].(int64); ok {
			u, err := s.store.UserByID(c.Request().Context(), uid)
			switch {
			case err == nil && canSignIn(u):
				c.Set(keyViewer, u)
				_ = s.store.TouchActivity(c.Request().Context(), u)
			case err == nil || errors.Is(err, models.ErrNotFound):
				// Saving without the user ends the session's row.
				delete(sess.Values, sessionUserID)
				sess.AddFlash(flashValue("danger", "Your account has been blocked. Contact your GitLab administrator."))
				dirty = true
			default:
				return err
			}
		}
		if dirty {
			if err := s.saveSession(c); err != nil {
				return err
			}
		}
		return next(c)
	}
}

func canSignIn(u *models.User) bool {
	return u.State == models.StateActive && !u.Bot
}

// viewer is the signed-in user, or nil.
func viewer(c echo.Context) *models.User {
	u, _ := c.Get(keyViewer).(*models.User)
	return u
}

func csrfToken(c echo.Context) string {
	sess, ok := c.Get(keySession).(*sessions.Session)
	if !ok {
		return ""
	}
	t, _ := sess.Values[sessionCSRF].(string)
	return t
}

// csrf checks the session's token on every non-GET web request (/api/v4
// authenticates with tokens instead of cookies, and has no session).
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		want := csrfToken(c)
		// From the header or the form body, never the query string: a
		// token in a URL ends up in logs, history and Referer headers.
		got := c.Request().Header.Get(csrfHeader)
		if got == "" {
			got = c.Request().PostFormValue(csrfField)
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			return echo.NewHTTPError(http.StatusForbidden, "Invalid or missing authenticity token. Reload the page and try again.")
		}
		return next(c)
	}
}

// startSession signs u in with a new session (a new row, a new id in the
// cookie) and CSRF token, so that neither an id nor a token planted before
// sign-in is of use after it.
func (s *Server) startSession(c echo.Context, u *models.User) error {
	sess := session(c)
	if sess.ID != "" {
		if err := s.store.EndSession(c.Request().Context(), sess.ID); err != nil {
			return err
		}
		sess.ID = ""
	}
	clear(sess.Values)
	sess.Values[sessionUserID] = u.ID
	sess.Values[sessionCSRF] = randomToken()
	return s.saveSession(c)
}

// endSession signs out: the session's row is deleted, so its id is refused
// on every instance from now on.
func (s *Server) endSession(c echo.Context) error {
	sess := session(c)
	clear(sess.Values)
	sess.Values[sessionCSRF] = randomToken()
	return s.saveSession(c)
}

// currentSessionToken is the id the request's session cookie carries
// (empty when signed out).
func currentSessionToken(c echo.Context) string { return session(c).ID }
