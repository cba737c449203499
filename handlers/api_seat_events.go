package handlers

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// GET /api/v4/add_on_purchases/:id/seat_events: the purchase's seat
// ledger, newest first, filtered by username, reason, from and to, with
// GitLab's pagination headers.

type apiSeatEvent struct {
	Username  string    `json:"username"`
	Event     string    `json:"event"`
	Reason    string    `json:"reason"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Server) getAPIAddOnPurchaseSeatEvents(c echo.Context) error {
	p := currentPurchase(c)
	f, err := apiSeatEventFilter(c)
	if err != nil {
		return err
	}
	page, perPage, err := apiPage(c)
	if err != nil {
		return err
	}
	rows, err := s.store.SeatEvents(c.Request().Context(), p.ID, f, models.Page{Number: page, PerPage: perPage})
	if err != nil {
		return err
	}
	out := make([]apiSeatEvent, len(rows.Items))
	for i, e := range rows.Items {
		out[i] = apiSeatEvent{Username: e.Username, Event: e.Event, Reason: e.Reason, Actor: e.ActorName, CreatedAt: e.CreatedAt.UTC()}
	}
	setPaginationHeaders(c, page, perPage, rows.Total)
	return c.JSON(http.StatusOK, out)
}

// apiSeatEventFilter reads the filters; a reason that is none of the
// ledger's, or a time that is not one, is a 400, so a script learns the
// filter was not applied.
func apiSeatEventFilter(c echo.Context) (models.SeatEventFilter, error) {
	f := models.SeatEventFilter{Username: strings.TrimSpace(c.QueryParam("username")), Reason: c.QueryParam("reason")}
	if f.Reason != "" && !slices.Contains(models.SeatReasons, f.Reason) {
		return f, apiFail(http.StatusBadRequest, "reason does not have a valid value: "+strings.Join(models.SeatReasons, ", "))
	}
	var err error
	if f.From, err = apiTimeParam(c, "from", false); err != nil {
		return f, err
	}
	if f.To, err = apiTimeParam(c, "to", true); err != nil {
		return f, err
	}
	return f, nil
}

// apiTimeParam reads an RFC 3339 time or a date (YYYY-MM-DD). A date is
// its day's start; as the end of a range (endOfDay), the next day's start,
// so to=2026-03-05 includes all of 5 March.
func apiTimeParam(c echo.Context, name string, endOfDay bool) (*time.Time, error) {
	raw := strings.TrimSpace(c.QueryParam(name))
	if raw == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return &t, nil
	}
	d, err := models.ParseDate(raw)
	if err != nil {
		return nil, apiFail(http.StatusBadRequest, name+" is invalid: use a date (2026-03-05) or an RFC 3339 time")
	}
	if endOfDay {
		d = d.AddDays(1)
	}
	return &d.Time, nil
}
