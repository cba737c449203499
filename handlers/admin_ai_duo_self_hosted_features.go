package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/selfhosted"
)

// POST /admin/ai/duo_self_hosted/features: the model of each AI-powered
// feature, one select per feature. A feature that is not posted keeps its
// choice.
func (s *Server) postAdminDuoSelfHostedFeatures(c echo.Context) error {
	if stop, err := s.selfHostedUnavailable(c); stop {
		return err
	}
	posted := map[string]string{}
	choices := map[string]models.FeatureChoice{}
	errs := models.FieldErrors{}
	for _, f := range models.AIFeatures {
		v, given := lastFormValue(c, f.ID)
		if !given {
			continue
		}
		posted[f.ID] = v
		choice, ok := models.ParseFeatureChoice(v)
		if !ok {
			errs.Add(f.ID, models.MsgFeatureChoice)
			continue
		}
		choices[f.ID] = choice
	}
	if len(errs) > 0 {
		return s.renderSelfHostedIndex(c, http.StatusUnprocessableEntity, posted, errs)
	}
	err := s.store.SaveAIFeatureChoices(c.Request().Context(), models.ActorFor(viewer(c)), choices)
	if errors.As(err, &errs) {
		return s.renderSelfHostedIndex(c, http.StatusUnprocessableEntity, posted, errs)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, selfhosted.Path, "success", "AI-powered features were successfully updated.")
}
