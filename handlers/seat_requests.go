package handlers

import (
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/seatrequests"
)

// A purchase's Seat requests tab: the queue, Assign (one or many),
// Decline with a reason, and the fill-from-the-queue setting. The Admin
// area's and a top-level group's differ only in their seatScope.

func (s *Server) showSeatRequests(c echo.Context, sc seatScope) error {
	p, err := s.historyPurchase(c, sc)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	q, err := s.store.SeatRequestsQueue(ctx, p.ID, models.Page{Number: pageParam(c.QueryParam("page")), PerPage: models.PerPageChoices[0]})
	if err != nil {
		return err
	}
	fill, err := s.store.FillFreedSeats(ctx, p.ID)
	if err != nil {
		return err
	}
	assigned, err := s.store.AssignedCount(ctx, p.ID)
	if err != nil {
		return err
	}
	crumbs := append(sc.bulkCrumbs[:len(sc.bulkCrumbs):len(sc.bulkCrumbs)], layouts.Crumb{Text: "Seat requests"})
	if n := len(crumbs); n >= 2 && crumbs[n-2].Href == "" {
		crumbs[n-2].Href = sc.keepAddOn(sc.bulkPath)
	}
	ch := s.seatChrome(c, sc, "Seat requests", crumbs)
	return ok(c, seatrequests.Page(ch, seatrequests.Props{Tabs: sc.tabs("requests"), AddOnTitle: p.AddOn.Title(),
		Base: sc.requestsPath(), AddOn: string(sc.addOn), Queue: q, FillFreedSeats: fill, Free: max(int64(p.Quantity)-assigned, 0), CanEdit: !ch.ReadOnly,
		Pager: components.Pager{Path: sc.requestsPath(), Query: sc.withAddOn(nil), Page: q.Page, TotalPages: q.TotalPages(), Total: q.Total}}))
}

// assignSeatRequests assigns seats to the chosen requests, all or
// nothing; a refusal is GitLab's seat alert on the queue.
func (s *Server) assignSeatRequests(c echo.Context, sc seatScope) error {
	p, err := s.historyPurchase(c, sc)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	var ids []int64
	for _, raw := range form["request_ids"] {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return s.redirectWithFlash(c, sc.keepAddOn(sc.requestsPath()), "warning", "Select at least one request.")
	}
	n, err := s.store.ApproveSeatRequests(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, ids)
	var se *models.SeatError
	switch {
	case errors.Is(err, models.ErrNotFound):
		return s.redirectWithFlash(c, sc.keepAddOn(sc.requestsPath()), "warning", "That request was already decided.")
	case errors.As(err, &se):
		return s.redirectWithAlert(c, sc.keepAddOn(sc.requestsPath()), seatAlert(se.Code, p, sc.addSeatsLink(c, p)))
	case err != nil:
		return err
	}
	msg := "1 seat was assigned."
	if n != 1 {
		msg = strconv.Itoa(n) + " seats were assigned."
	}
	return s.redirectWithFlash(c, sc.keepAddOn(sc.requestsPath()), "success", msg)
}

// declineSeatRequest closes one request; the reason is mailed.
func (s *Server) declineSeatRequest(c echo.Context, sc seatScope) error {
	p, err := s.historyPurchase(c, sc)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.FormValue("request_id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	err = s.store.DeclineSeatRequest(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, id, c.FormValue("reason"))
	var errs models.FieldErrors
	switch {
	case errors.Is(err, models.ErrNotFound):
		return s.redirectWithFlash(c, sc.keepAddOn(sc.requestsPath()), "warning", "That request was already decided.")
	case errors.As(err, &errs):
		return s.redirectWithFlash(c, sc.keepAddOn(sc.requestsPath()), "danger", "The reason "+errs["reason"]+".")
	case err != nil:
		return err
	}
	return s.redirectWithFlash(c, sc.keepAddOn(sc.requestsPath()), "success", "The request was declined and the user was told why.")
}

func (s *Server) saveSeatRequestSettings(c echo.Context, sc seatScope) error {
	p, err := s.historyPurchase(c, sc)
	if err != nil {
		return err
	}
	on := c.FormValue("fill_freed_seats") == "1"
	if err := s.store.SetFillFreedSeats(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, on); err != nil {
		return err
	}
	return s.redirectWithFlash(c, sc.keepAddOn(sc.requestsPath()), "success", "The seat request settings were saved.")
}
