package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// apiAuth authenticates /api/v4 with a personal access token, sent as
// PRIVATE-TOKEN or "Authorization: Bearer", as GitLab's API accepts.
func (s *Server) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Request().Header.Get("PRIVATE-TOKEN")
		if token == "" {
			if h := c.Request().Header.Get(echo.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
				token = strings.TrimPrefix(h, "Bearer ")
			}
		}
		if token == "" {
			return next(c)
		}
		u, err := s.store.UserByToken(c.Request().Context(), token)
		if err == models.ErrNotFound {
			return echo.NewHTTPError(http.StatusUnauthorized)
		}
		if err != nil {
			return err
		}
		c.Set(keyViewer, u)
		return next(c)
	}
}

func apiID(c echo.Context) string {
	id := c.Param("id")
	if un, err := url.PathUnescape(id); err == nil {
		return un
	}
	return id
}

// apiNotFound answers a request no API route took.
func (s *Server) apiNotFound(c echo.Context) error {
	if viewer(c) == nil {
		return errSignInRequired
	}
	return errNotFound
}
