package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/admin"
)

const adminFeatureFlagsPath = "/admin/feature_flags"

// GET /admin/feature_flags
func (s *Server) getAdminFeatureFlags(c echo.Context) error {
	return s.renderFeatureFlags(c, http.StatusOK, "")
}

// POST /admin/feature_flags
func (s *Server) postAdminFeatureFlags(c echo.Context) error {
	name := c.FormValue("name")
	enabled, err := strconv.ParseBool(c.FormValue("enabled"))
	if err != nil {
		return s.renderFeatureFlags(c, http.StatusUnprocessableEntity, "Choose whether to enable or disable the feature flag.")
	}
	err = s.store.SetFeatureFlag(c.Request().Context(), models.ActorFor(viewer(c)), name, enabled)
	if errors.Is(err, models.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	state := "disabled"
	if enabled {
		state = "enabled"
	}
	return s.redirectWithFlash(c, adminFeatureFlagsPath, "success", "Feature flag "+name+" was "+state+".")
}

func (s *Server) renderFeatureFlags(c echo.Context, status int, problem string) error {
	flags, err := s.store.FeatureFlags(c.Request().Context())
	if err != nil {
		return err
	}
	ch := s.chrome(c, "Feature flags")
	ch.Nav = s.adminNav("Feature flags")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "Feature flags"}}
	return render(c, status, admin.FeatureFlags(ch, admin.FeatureFlagsProps{Flags: flags, Error: problem}))
}
