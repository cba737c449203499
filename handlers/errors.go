package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	errpages "duoadmin/views/pages/errors"
)

var (
	errNotFound  = echo.NewHTTPError(http.StatusNotFound, "Page not found")
	errForbidden = echo.NewHTTPError(http.StatusForbidden, "You are not allowed to do this.")
)

var errorHeadings = map[int]string{
	http.StatusBadRequest:            "Bad request",
	http.StatusForbidden:             "Access denied",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "Method not allowed",
	http.StatusRequestEntityTooLarge: "Request too large",
	http.StatusUnprocessableEntity:   "The change you requested was rejected",
	http.StatusTooManyRequests:       "Too many requests",
	http.StatusInternalServerError:   "Something went wrong on our end",
	http.StatusServiceUnavailable:    "Service unavailable",
}

var errorMessages = map[int]string{
	http.StatusForbidden:             "You are not allowed to do this. If you think this is a mistake, ask an administrator.",
	http.StatusNotFound:              "Make sure the address is correct and the page has not moved. You may also need to sign in.",
	http.StatusRequestEntityTooLarge: "The request body is larger than this server accepts.",
	http.StatusUnprocessableEntity:   "Make sure you have access to the thing you tried to change.",
	http.StatusInternalServerError:   "Try again in a moment. If the problem persists, contact an administrator with the request id.",
	http.StatusServiceUnavailable:    "The database cannot be reached right now. Try again in a moment.",
}

// handleError turns every error into a page in the layout, or JSON under /api.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if err == errSignInRequired {
		switch {
		case answersJSON(c):
			// 401 below, as JSON.
		case isWrite(c):
			err = errForbidden // a form post cannot be replayed after signing in
		default:
			s.signInRedirect(c)
			return
		}
	}
	status := http.StatusInternalServerError
	msg := ""
	var he *echo.HTTPError
	var fe models.FieldErrors
	switch {
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		}
	case errors.Is(err, models.ErrNotFound):
		status = http.StatusNotFound
	case errors.As(err, &fe):
		status, msg = http.StatusUnprocessableEntity, fe.Error()
	case isUnavailable(err):
		status = http.StatusServiceUnavailable
	}
	if status >= 500 {
		s.log.Error("request failed", "request_id", c.Get(keyRequestID), "method", c.Request().Method,
			"path", c.Request().URL.Path, "error", err.Error())
		msg = "" // never show internals
	}
	if msg == "" || status == http.StatusNotFound {
		msg = errorMessages[status]
	}
	if answersJSON(c) {
		_ = c.JSON(status, map[string]string{"message": apiMessage(status, msg)})
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	heading := errorHeadings[status]
	if heading == "" {
		heading = http.StatusText(status)
	}
	ch := s.chrome(c, heading)
	if err := render(c, status, errpages.Page(ch, status, heading, msg)); err != nil && !c.Response().Committed {
		// The error page itself failed: a plain answer rather than none.
		s.log.Error("error page failed", "request_id", c.Get(keyRequestID), "error", err.Error())
		_ = c.String(status, heading)
	}
}

func apiMessage(status int, msg string) string {
	switch status {
	case http.StatusNotFound:
		return "404 Not Found"
	case http.StatusForbidden:
		if msg == "" || msg == errorMessages[http.StatusForbidden] || msg == errForbidden.Message {
			return "403 Forbidden"
		}
	case http.StatusUnauthorized:
		return "401 Unauthorized"
	}
	if msg == "" {
		return http.StatusText(status)
	}
	return msg
}
