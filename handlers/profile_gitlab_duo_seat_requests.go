package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/access"
)

// The signed-in user's seat requests on /-/profile/gitlab_duo.

// seatRequestOffers are the purchases v may ask a seat of, with v's
// pending request of each.
func (s *Server) seatRequestOffers(c echo.Context, v *models.User) ([]access.SeatRequestOffer, error) {
	ctx := c.Request().Context()
	ps, err := s.store.RequestablePurchases(ctx, v)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	pending, err := s.store.PendingSeatRequestsOf(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	out := make([]access.SeatRequestOffer, len(ps))
	for i, p := range ps {
		o := access.SeatRequestOffer{PurchaseID: p.ID, AddOnTitle: p.AddOn.Title(), Owner: "this instance"}
		if p.NamespaceID != nil {
			g, err := s.store.GroupByID(ctx, *p.NamespaceID)
			if err != nil {
				return nil, err
			}
			o.Owner = g.FullPath
		}
		if r, ok := pending[p.ID]; ok {
			o.Pending, o.RequestedOn = true, r.CreatedAt.UTC().Format("2006-01-02")
		}
		out[i] = o
	}
	return out, nil
}

// POST /-/profile/gitlab_duo/seat_requests: ask for a seat of the form's
// purchase. A purchase the user cannot ask for is a 404; a long note or a
// second request re-renders the page with 422.
func (s *Server) postProfileGitlabDuoSeatRequests(c echo.Context) error {
	id, err := strconv.ParseInt(c.FormValue("add_on_purchase_id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	note := c.FormValue("note")
	_, err = s.store.RequestSeat(c.Request().Context(), viewer(c), id, note)
	var errs models.FieldErrors
	switch {
	case errors.As(err, &errs):
		return s.renderProfileGitlabDuo(c, http.StatusUnprocessableEntity, note, errs)
	case errors.Is(err, models.ErrNoSeatToRequest):
		return errNotFound
	case err != nil:
		return err
	}
	return s.redirectWithFlash(c, "/-/profile/gitlab_duo", "success", "Your seat request was sent.")
}
