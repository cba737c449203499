package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// GET/PUT /api/v4/application/settings: GitLab's application settings API
// with its GitLab Duo fields (client-go's Settings.GetSettings and
// UpdateSettings). Administrators change them, auditors read; GitLab.com
// refuses changes, as /api/v4/application/duo_settings does.

type apiApplicationSettings struct {
	DuoFeaturesEnabled     bool                `json:"duo_features_enabled"`
	LockDuoFeaturesEnabled bool                `json:"lock_duo_features_enabled"`
	DuoAvailability        models.Availability `json:"duo_availability"`
	// GitLab's "Prompt cache" (AI settings).
	ModelPromptCacheEnabled bool `json:"model_prompt_cache_enabled"`
}

// GET /api/v4/application/settings
func (s *Server) getAPIApplicationSettings(c echo.Context) error {
	st, err := s.store.InstanceSettings(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiApplicationSettings{DuoFeaturesEnabled: st.DuoFeaturesEnabled,
		LockDuoFeaturesEnabled:  st.LockDuoFeaturesEnabled,
		DuoAvailability:         models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled),
		ModelPromptCacheEnabled: st.ModelPromptCacheEnabled})
}

// PUT /api/v4/application/settings: model_prompt_cache_enabled;
// duo_availability, or
// duo_features_enabled and/or lock_duo_features_enabled (the other keeps
// its value). On and locked is always_on, which GitLab offers for the
// instance on self-managed.
func (s *Server) putAPIApplicationSettings(c echo.Context) error {
	if s.deployment == models.GitLabCom {
		return apiFail(http.StatusForbidden, "GitLab Duo availability cannot be changed on GitLab.com")
	}
	ctx := c.Request().Context()
	params, err := apiParams(c)
	if err != nil {
		return err
	}
	change, any, err := apiDuoChange(params)
	if err != nil {
		return err
	}
	cache, hasCache, err := apiBool(params, models.FieldPromptCache)
	if err != nil {
		return err
	}
	if hasCache {
		in := models.InstanceAIInput{ModelPromptCacheEnabled: &cache}
		if err := s.store.SaveInstanceAISettings(ctx, models.ActorFor(viewer(c)), in); err != nil {
			return err
		}
	}
	if !any {
		return s.getAPIApplicationSettings(c)
	}
	st, err := s.store.InstanceSettings(ctx)
	if err != nil {
		return err
	}
	enabled, locked := st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled
	if change.SetEnabled {
		enabled = *change.Enabled
	}
	if change.Lock != nil {
		locked = *change.Lock
	}
	a := models.InstanceAvailability(enabled, locked)
	if _, err := s.store.SetInstanceDuoAvailability(ctx, models.ActorFor(viewer(c)), a); err != nil {
		return err
	}
	return s.getAPIApplicationSettings(c)
}
