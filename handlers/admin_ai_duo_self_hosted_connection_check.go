package handlers

import (
	"errors"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/selfhosted"
)

// POST /admin/ai/duo_self_hosted/:id/test_connection calls the model's
// endpoint with its API key, never a key saved for another endpoint, and
// reports the outcome as a flash. The call
// gives up after models.ConnectionTestTimeout, so the page never waits
// longer.
func (s *Server) postAdminDuoSelfHostedTestConnection(c echo.Context) error {
	if stop, err := s.selfHostedUnavailable(c); stop {
		return err
	}
	m, err := s.selfHostedModel(c)
	if err != nil {
		return err
	}
	key, err := s.store.SelfHostedModelAPIKey(m)
	if errors.Is(err, models.ErrAPIKeyForOtherEndpoint) {
		return s.redirectWithFlash(c, selfhosted.Path, "danger", "Connection to "+m.Name+" was not tested: "+err.Error())
	}
	if err != nil {
		return s.redirectWithFlash(c, selfhosted.Path, "danger", "Connection to "+m.Name+" failed: "+err.Error())
	}
	err = models.TestSelfHostedConnection(c.Request().Context(), m, key, models.ConnectionTestTimeout)
	if errors.Is(err, models.ErrNoConnectionTest) {
		return s.redirectWithFlash(c, selfhosted.Path, "info", err.Error())
	}
	if err != nil {
		return s.redirectWithFlash(c, selfhosted.Path, "danger", "Connection to "+m.Name+" failed: "+err.Error())
	}
	return s.redirectWithFlash(c, selfhosted.Path, "success", "Successfully connected to "+m.Name+".")
}
