package handlers

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

const (
	keyRequestID    = "request_id"
	keyRoutePattern = "route_pattern"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// answersJSON: the routes of the api group (apiPrefix), the group's own
// not-found routes included, answer errors as JSON. Decided by the route
// the router matched, which every middleware already knows, so errors
// raised before the group's middleware (a body too large, bad text) are
// JSON there too.
func answersJSON(c echo.Context) bool {
	return c.Path() == apiPrefix || strings.HasPrefix(c.Path(), apiPrefix+"/") || c.Path() == graphqlPath
}

func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !requestIDPattern.MatchString(id) {
			id = randomToken()[:20]
		}
		c.Set(keyRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", "request_id", c.Get(keyRequestID), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				s.metrics.panicked()
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}

// observe logs every request as one JSON line and feeds /-/metrics. It
// sits outside recoverPanics, so a recovered panic is logged as its 500; a
// download broken off on purpose (http.ErrAbortHandler, which must reach
// net/http) is logged and counted on its way out, marked aborted.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					s.record(c, start, true)
				}
				panic(r)
			}
		}()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.record(c, start, false)
		return nil
	}
}

// record is observe's log line and metrics for one request.
func (s *Server) record(c echo.Context, start time.Time, aborted bool) {
	{
		elapsed := time.Since(start)
		route, _ := c.Get(keyRoutePattern).(string)
		if route == "" {
			route = c.Path()
		}
		status := c.Response().Status
		s.metrics.observe(c.Request().Method, route, status, elapsed)
		// Typed attributes: no boxing of each value on every request.
		id, _ := c.Get(keyRequestID).(string)
		attrs := [8]slog.Attr{slog.String("request_id", id), slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.Path), slog.String("route", route), slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000)}
		n := 6
		if v := viewer(c); v != nil {
			attrs[n], n = slog.String("user", v.Username), n+1
		}
		if aborted {
			attrs[n], n = slog.Bool("aborted", true), n+1
		}
		s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request", attrs[:n]...)
	}
}

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if strings.HasPrefix(s.baseURL, "https://") {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.maxBody {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, s.maxBody)
		return next(c)
	}
}

// isUnavailable tells a lost database from a bug, so the user gets 503.
func isUnavailable(err error) bool {
	var ne net.Error
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return false
	}
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "failed to connect")
}
