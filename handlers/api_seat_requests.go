package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// Seat requests in /api/v4: a user asks (POST /user/duo/seat_requests);
// the purchase's owners or administrators list the queue and approve or
// decline (/add_on_purchases/:id/seat_requests…).

type apiSeatRequest struct {
	ID              int64     `json:"id"`
	AddOnPurchaseID int64     `json:"add_on_purchase_id"`
	Username        string    `json:"username"`
	Note            string    `json:"note"`
	State           string    `json:"state"`
	CreatedAt       time.Time `json:"created_at"`
}

type apiSeatRequestBody struct {
	AddOnPurchaseID int64  `json:"add_on_purchase_id" form:"add_on_purchase_id"`
	Note            string `json:"note" form:"note"`
	Reason          string `json:"reason" form:"reason"`
}

// POST /api/v4/user/duo/seat_requests {"add_on_purchase_id", "note"}:
// without a purchase id, the only purchase the user may ask a seat of.
func (s *Server) postAPIUserDuoSeatRequests(c echo.Context) error {
	var b apiSeatRequestBody
	if err := c.Bind(&b); err != nil {
		return apiFail(http.StatusBadRequest, "the body is not valid")
	}
	ctx, u := c.Request().Context(), viewer(c)
	if b.AddOnPurchaseID == 0 {
		ps, err := s.store.RequestablePurchases(ctx, u)
		if err != nil {
			return err
		}
		if len(ps) != 1 {
			return apiFail(http.StatusBadRequest, "add_on_purchase_id is missing: you may request a seat of "+strconv.Itoa(len(ps))+" purchases")
		}
		b.AddOnPurchaseID = ps[0].ID
	}
	r, err := s.store.RequestSeat(ctx, u, b.AddOnPurchaseID, b.Note)
	var errs models.FieldErrors
	switch {
	case errors.As(err, &errs):
		return apiFail(http.StatusUnprocessableEntity, errs.Error())
	case errors.Is(err, models.ErrNoSeatToRequest):
		return apiFail(http.StatusNotFound, "404 Not found")
	case err != nil:
		return err
	}
	return c.JSON(http.StatusCreated, apiSeatRequest{ID: r.ID, AddOnPurchaseID: r.AddOnPurchaseID, Username: u.Username,
		Note: r.Note, State: r.State, CreatedAt: r.CreatedAt.UTC()})
}

// GET /api/v4/add_on_purchases/:id/seat_requests: the pending queue, oldest
// first, with GitLab's pagination headers.
func (s *Server) getAPIAddOnPurchaseSeatRequests(c echo.Context) error {
	p := currentPurchase(c)
	page, perPage, err := apiPage(c)
	if err != nil {
		return err
	}
	q, err := s.store.SeatRequestsQueue(c.Request().Context(), p.ID, models.Page{Number: page, PerPage: perPage})
	if err != nil {
		return err
	}
	out := make([]apiSeatRequest, len(q.Items))
	for i, r := range q.Items {
		out[i] = apiSeatRequest{ID: r.ID, AddOnPurchaseID: r.AddOnPurchaseID, Username: r.Username, Note: r.Note, State: r.State,
			CreatedAt: r.CreatedAt.UTC()}
	}
	setPaginationHeaders(c, page, perPage, q.Total)
	return c.JSON(http.StatusOK, out)
}

func apiRequestID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("request_id"), 10, 64)
	if err != nil {
		return 0, apiFail(http.StatusNotFound, "404 Seat request Not Found")
	}
	return id, nil
}

// POST /api/v4/add_on_purchases/:id/seat_requests/:request_id/approve
func (s *Server) postAPISeatRequestApprove(c echo.Context) error {
	id, err := apiRequestID(c)
	if err != nil {
		return err
	}
	p := currentPurchase(c)
	_, err = s.store.ApproveSeatRequests(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, []int64{id})
	var se *models.SeatError
	switch {
	case errors.Is(err, models.ErrNotFound):
		return apiFail(http.StatusNotFound, "404 Seat request Not Found")
	case errors.As(err, &se):
		return apiFail(http.StatusUnprocessableEntity, se.Code)
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "state": models.SeatRequestApproved})
}

// POST /api/v4/add_on_purchases/:id/seat_requests/:request_id/decline {"reason"}
func (s *Server) postAPISeatRequestDecline(c echo.Context) error {
	id, err := apiRequestID(c)
	if err != nil {
		return err
	}
	var b apiSeatRequestBody
	if err := c.Bind(&b); err != nil {
		return apiFail(http.StatusBadRequest, "the body is not valid")
	}
	p := currentPurchase(c)
	err = s.store.DeclineSeatRequest(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, id, b.Reason)
	var errs models.FieldErrors
	switch {
	case errors.Is(err, models.ErrNotFound):
		return apiFail(http.StatusNotFound, "404 Seat request Not Found")
	case errors.As(err, &errs):
		return apiFail(http.StatusUnprocessableEntity, errs.Error())
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "state": models.SeatRequestDeclined})
}
