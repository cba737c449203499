package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// GET /-/health: the process answers (GitLab's wording).
func (s *Server) getHealth(c echo.Context) error { return c.String(http.StatusOK, "GitLab OK") }

// GET /-/liveness
func (s *Server) getLiveness(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// GET /-/readiness: ready only when the database answers quickly.
func (s *Server) getReadiness(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "failed",
			"db_check": []map[string]string{{"status": "failed", "message": "database unreachable"}}})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "db_check": []map[string]string{{"status": "ok"}}})
}
