package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// apiAuth authenticates /api/v4 with a personal access token, sent as
// PRIVATE-TOKEN or "Authorization: Bearer", as GitLab's API accepts.
func (s *Server) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isAPI(c) {
			return next(c)
		}
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

// apiGroup resolves :id, a numeric id or a URL-encoded full path, and
// checks the caller may see it (else 404, as GitLab's API answers).
func (s *Server) apiGroup(c echo.Context, write bool) (*models.Group, error) {
	ctx := c.Request().Context()
	id := apiID(c)
	var g *models.Group
	var err error
	if n, convErr := strconv.ParseInt(id, 10, 64); convErr == nil {
		g, err = s.store.GroupByID(ctx, n)
	} else {
		g, err = s.store.GroupByFullPath(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	if err := s.authorizeGroup(c, g, write); err != nil {
		return nil, err
	}
	return g, nil
}

func (s *Server) apiProject(c echo.Context, write bool) (*models.Project, *models.Group, error) {
	ctx := c.Request().Context()
	id := apiID(c)
	var p *models.Project
	var err error
	if n, convErr := strconv.ParseInt(id, 10, 64); convErr == nil {
		p, err = s.store.ProjectByID(ctx, n)
	} else {
		p, err = s.store.ProjectByFullPath(ctx, id)
	}
	if err != nil {
		return nil, nil, err
	}
	g, err := s.store.GroupByID(ctx, p.NamespaceID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.authorizeProject(c, p, g, write); err != nil {
		return nil, nil, err
	}
	return p, g, nil
}

func apiID(c echo.Context) string {
	id := c.Param("id")
	if un, err := url.PathUnescape(id); err == nil {
		return un
	}
	return id
}
