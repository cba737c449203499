package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// POST /api/v4/duo/usage_events (admins): an AI gateway reports who used
// which feature when. Each event is checked on its own and a bad one is
// rejected in the answer, never failing the others; more events than one
// call takes is a 413, so the sender splits the batch. Usage is telemetry:
// no audit event is written.
func (s *Server) postAPIDuoUsageEvents(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	if err != nil {
		return apiFail(http.StatusBadRequest, "The request body could not be read")
	}
	var req struct {
		Events *[]json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(body), &req); err != nil {
		return apiFail(http.StatusBadRequest, `The request body must be a JSON object: {"events": [...]}`)
	}
	if req.Events == nil {
		return apiFail(http.StatusBadRequest, "events is missing")
	}
	raw := *req.Events
	if len(raw) > models.MaxUsageEvents {
		return apiFail(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("too many events: %d; send at most %d per request", len(raw), models.MaxUsageEvents))
	}
	events := make([]models.UsageEvent, len(raw))
	for i, r := range raw {
		events[i] = models.ParseUsageEvent(r)
	}
	res, err := s.store.ApplyUsageEvents(c.Request().Context(), events)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
