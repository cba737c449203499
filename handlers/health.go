package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
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
		msg := "database unreachable"
		if errors.Is(err, models.ErrDatabaseFileChanged) {
			msg = "database file deleted or replaced: restart the server"
		}
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "failed",
			"db_check": []map[string]string{{"status": "failed", "message": msg}}})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "db_check": []map[string]string{{"status": "ok"}}})
}
