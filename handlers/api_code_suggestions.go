package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/models/access"
)

// POST /api/v4/code_suggestions/enabled, as GitLab answers the IDE
// extensions: 404 for a project that is missing or that the caller is not
// a member of (admins and auditors see every one), 403 when its GitLab Duo
// features are effectively off, else 200. It says nothing about the
// caller's own seat: GET /api/v4/user/duo does.
func (s *Server) postAPICodeSuggestionsEnabled(c echo.Context) error {
	params, err := apiParams(c)
	if err != nil {
		return err
	}
	var path string
	if raw, ok := params["project_path"]; ok {
		_ = json.Unmarshal(raw, &path)
	}
	ref := models.ResourceRef{Kind: access.ResourceProject, Path: strings.TrimSpace(path)}
	if ref.Path == "" {
		return apiNotFound(c, "Project")
	}
	// One statement: the project, its groups' settings, and whether the
	// caller may see it.
	facts, err := s.accessFactsFor(c, viewer(c), ref)
	if errors.Is(err, models.ErrNotFound) {
		return apiNotFound(c, "Project")
	}
	if err != nil {
		return err
	}
	if !facts.Resource.DuoEnabled {
		return apiFail(http.StatusForbidden, "403 Forbidden")
	}
	return c.JSON(http.StatusOK, struct{}{})
}
