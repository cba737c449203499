package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// GET /api/v4/add_on_purchases/:id/usage?from=&to=: the purchase's daily
// snapshot rows (dates inclusive; by default the Usage tab's window),
// oldest first, as a JSON array, or one object a line with Accept:
// application/x-ndjson. Days without a snapshot have no row.

// maxUsageRangeDays bounds one request (ten years of days).
const maxUsageRangeDays = 3660

func (s *Server) getAPIAddOnPurchaseUsage(c echo.Context) error {
	p := currentPurchase(c)
	from, to := models.UsageWindow(p, models.Today())
	for name, d := range map[string]*models.Date{"from": &from, "to": &to} {
		if raw := strings.TrimSpace(c.QueryParam(name)); raw != "" {
			v, err := models.ParseDate(raw)
			if err != nil {
				return apiFail(http.StatusBadRequest, name+" is invalid: use a date (2026-03-05)")
			}
			*d = v
		}
	}
	if to.Before(from) {
		return apiFail(http.StatusBadRequest, "to must be on or after from")
	}
	if from.DaysUntil(to) > maxUsageRangeDays {
		return apiFail(http.StatusBadRequest, "the range is too long (at most 3660 days)")
	}
	days, err := s.store.UsageDays(c.Request().Context(), p.ID, from, to)
	if err != nil {
		return err
	}
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "application/x-ndjson") {
		w := newNDJSONDownload(c, "usage.ndjson")
		c.Response().Header().Set(echo.HeaderContentDisposition, "inline")
		for _, d := range days {
			if err := w.Write(d); err != nil {
				return err
			}
		}
		return s.finishDownload(c, w, nil)
	}
	return c.JSON(http.StatusOK, days)
}
