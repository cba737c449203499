package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/seats"
)

// Changing seats: one toggle, or a selection in bulk with its confirmation.

func usersAssignedText(n int) string {
	if n == 1 {
		return "1 user has been successfully assigned a seat."
	}
	return strconv.Itoa(n) + " users have been successfully assigned a seat."
}

func usersUnassignedText(n int) string {
	if n == 1 {
		return "1 user has been successfully unassigned a seat."
	}
	return strconv.Itoa(n) + " users have been successfully unassigned a seat."
}

var errBadSeatAction = echo.NewHTTPError(http.StatusBadRequest, "Choose to assign or remove seats.")

// toggleSeat is one row's switch: assign=1 gives the user a seat, 0 removes it.
func (s *Server) toggleSeat(c echo.Context, sc seatScope) error {
	p, err := s.seatPurchase(c, sc)
	if err != nil {
		return err
	}
	if p == nil {
		return errNotFound
	}
	uid, err := strconv.ParseInt(c.FormValue("user_id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	back := sc.safeReturn(c.FormValue("return_to"))
	ctx, actor := c.Request().Context(), models.ActorFor(viewer(c)).WithSeatReason(models.SeatReasonManual)
	switch c.FormValue("assign") {
	case "1":
		_, err = s.store.AssignSeat(ctx, actor, p.ID, uid)
		var se *models.SeatError
		if errors.As(err, &se) {
			return s.redirectWithAlert(c, back, seatAlert(se.Code, p, sc.addSeatsLink(c, p)))
		}
		if err != nil {
			return err
		}
		return s.redirectWithFlash(c, back, "success", usersAssignedText(1))
	case "0":
		if _, err := s.store.UnassignSeat(ctx, actor, p.ID, uid); err != nil {
			return err
		}
		return s.redirectWithFlash(c, back, "success", usersUnassignedText(1))
	}
	return errBadSeatAction
}

// bulkSeats is the bulk form: the ticked users (or every user matching the
// filter), a confirmation page, then the all-or-nothing change.
func (s *Server) bulkSeats(c echo.Context, sc seatScope) error {
	p, err := s.seatPurchase(c, sc)
	if err != nil {
		return err
	}
	if p == nil {
		return errNotFound
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	action := form.Get("bulk_action")
	if action != "assign" && action != "remove" {
		return errBadSeatAction
	}
	ctx := c.Request().Context()
	req := parseSeatRequest(form)
	back := withQuery(sc.bulkPath, sc.withAddOn(req.query(true)))
	selectAll := form.Get("select_all") == "1"
	var ids []int64
	if selectAll {
		if ids, err = s.store.SeatTableIDs(ctx, p, req.filter); err != nil {
			return err
		}
	} else {
		ids = postedIDs(form["user_ids"])
	}
	if len(ids) == 0 {
		return s.redirectWithFlash(c, back, "danger", "Select at least one user.")
	}
	// The Store refuses it too; asked first, so no confirmation is shown
	// for a change that cannot happen.
	if action == "assign" && !p.ActiveOn(models.Today()) {
		return s.redirectWithAlert(c, back, seatAlert(models.PurchaseNotActive, p, ""))
	}
	if form.Get("confirm") != "1" {
		if action == "assign" {
			short, err := s.seatShortfall(c, sc, p, req, ids, selectAll)
			if err != nil {
				return err
			}
			if short != nil {
				st := seatState{status: http.StatusUnprocessableEntity, selectAll: selectAll, notEnough: short}
				if !selectAll {
					st.selected = ids
				}
				return s.renderSeats(c, sc, true, form, st)
			}
		}
		return s.confirmBulkSeats(c, sc, action, ids, selectAll, req)
	}
	actor := models.ActorFor(viewer(c)).WithSeatReason(models.SeatReasonBulk)
	if action == "remove" {
		res, err := s.store.BulkUnassignSeats(ctx, actor, p.ID, ids)
		var se *models.SeatError
		// Nobody selected had a seat: GitLab shows that as done.
		if errors.As(err, &se) && se.Code == models.NoAssignmentsFound {
			return s.redirectWithFlash(c, back, "success", usersUnassignedText(0))
		}
		if err != nil {
			return err
		}
		return s.redirectWithFlash(c, back, "success", usersUnassignedText(len(res.Changed)))
	}
	res, err := s.store.BulkAssignSeats(ctx, actor, p.ID, ids)
	var se *models.SeatError
	if errors.As(err, &se) {
		return s.redirectWithAlert(c, back, seatAlert(se.Code, p, sc.addSeatsLink(c, p)))
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, back, "success", usersAssignedText(len(res.Changed)+len(res.Unchanged)))
}

// postedIDs reads user_ids; a value that is not a number becomes 0, which
// no user has, so the store reports it like any unknown user.
func postedIDs(raw []string) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, v := range raw {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			id = 0
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// seatShortfall is GitLab's "Not enough seats" asked before the
// confirmation: the selected users without a seat against the free seats.
// The Store asks again when the change is made.
func (s *Server) seatShortfall(c echo.Context, sc seatScope, p *models.AddOnPurchase, req seatRequest, ids []int64, selectAll bool) (*seats.NotEnough, error) {
	ctx := c.Request().Context()
	assigned, err := s.store.AssignedCount(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	var need int64
	switch {
	case selectAll && req.filter.Assigned != nil && *req.filter.Assigned:
		need = 0
	case selectAll:
		// Everyone the filter matches who has no seat, counted in SQL.
		f, no := req.filter, false
		f.Assigned = &no
		page, err := s.store.SeatTable(ctx, p, f, models.Page{Number: 1})
		if err != nil {
			return nil, err
		}
		need = page.Total
	default:
		holding, err := s.store.HoldersAmong(ctx, p.ID, ids)
		if err != nil {
			return nil, err
		}
		need = int64(len(ids)) - holding
	}
	free := max(int64(p.Quantity)-assigned, 0)
	if need <= free {
		return nil, nil
	}
	return &seats.NotEnough{Selected: need, Free: free, PurchaseHref: sc.addSeatsLink(c, p)}, nil
}

func (s *Server) confirmBulkSeats(c echo.Context, sc seatScope, action string, ids []int64, selectAll bool, req seatRequest) error {
	n := len(ids)
	// Cancel goes back to the table with the same selection ticked.
	cancel := sc.withAddOn(req.query(true))
	p := seats.ConfirmProps{Action: sc.keepAddOn(sc.bulkPost()), Fields: []seats.Field{{Name: "bulk_action", Value: action}}}
	if action == "assign" {
		p.Title, p.Submit = "Confirm bulk seat assignment", "Assign seats"
		p.Message = "This action will assign a GitLab Duo seat to " + strconv.Itoa(n) + " users. Are you sure you want to continue?"
		if n == 1 {
			p.Message = "This action will assign a GitLab Duo seat to 1 user. Are you sure you want to continue?"
		}
	} else {
		p.Title, p.Submit, p.Remove = "Confirm bulk seat removal", "Remove seats", true
		p.Message = "This action will remove GitLab Duo seats from " + strconv.Itoa(n) + " users. Are you sure you want to continue?"
		if n == 1 {
			p.Message = "This action will remove GitLab Duo seat from 1 user. Are you sure you want to continue?"
		}
	}
	if selectAll {
		// The filter, not a list of ids, travels: it may match 100,000 users.
		p.Fields = append(p.Fields, seats.Field{Name: "select_all", Value: "1"})
		cancel.Set("select_all", "1")
	} else {
		for _, id := range ids {
			p.Fields = append(p.Fields, seats.Field{Name: "user_ids", Value: strconv.FormatInt(id, 10)})
			cancel.Add("user_ids", strconv.FormatInt(id, 10))
		}
	}
	p.Fields = append(p.Fields, seats.FilterFields(req.view, req.page)...)
	p.Cancel = withQuery(sc.bulkPath, cancel)
	names, err := s.confirmNames(c, ids)
	if err != nil {
		return err
	}
	p.Users, p.More = names, int64(n-len(names))
	return ok(c, seats.Confirm(s.seatChrome(c, sc, p.Title, sc.bulkCrumbs), p))
}

// confirmNames names the first seats.ConfirmListed users of ids, in the
// selection's order; ids nobody has are left out.
func (s *Server) confirmNames(c echo.Context, ids []int64) ([]string, error) {
	first := ids[:min(len(ids), seats.ConfirmListed)]
	users, err := s.store.UsersByIDs(c.Request().Context(), first)
	if err != nil {
		return nil, err
	}
	byID := map[int64]models.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	var out []string
	for _, id := range first {
		if u, ok := byID[id]; ok {
			out = append(out, u.Name+" (@"+u.Username+")")
		}
	}
	return out, nil
}

var seatCSVHeader = []string{"username", "name", "email", "max_role", "assigned", "assigned_at", "last_activity_on", "last_duo_activity_on"}
