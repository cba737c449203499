package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/seathistory"
)

// A purchase's Seat history: its seat ledger read on a screen and exported
// as CSV or NDJSON, streamed. The Admin area's and a top-level group's
// differ only in their seatScope (seats_scope.go).

func (sc seatScope) historyPath() string { return sc.bulkPath + "/history" }

// seatHistoryFilterFromQuery reads the filter form (GET). A reason that is
// none of the ledger's or a date that is not one is a field error; an
// unknown username just matches nothing, as GitLab's filters do.
func seatHistoryFilterFromQuery(q url.Values) (seathistory.Filter, models.SeatEventFilter, url.Values, models.FieldErrors) {
	v := seathistory.Filter{
		Username: strings.TrimPrefix(strings.TrimSpace(q.Get("username")), "@"),
		Reason:   strings.TrimSpace(q.Get("reason")),
		From:     strings.TrimSpace(q.Get("from")),
		To:       strings.TrimSpace(q.Get("to")),
	}
	f := models.SeatEventFilter{Username: v.Username}
	errs := models.FieldErrors{}
	if v.Reason != "" {
		if slices.Contains(models.SeatReasons, v.Reason) {
			f.Reason = v.Reason
		} else {
			errs.Add("reason", "is not one of the listed reasons")
		}
	}
	f.From, f.To = dateRangeParams(errs, v.From, v.To)
	kept := url.Values{}
	for k, val := range map[string]string{"username": v.Username, "reason": v.Reason, "from": v.From, "to": v.To} {
		if val != "" {
			kept.Set(k, val)
		}
	}
	return v, f, kept, errs
}

// historyPurchase is the purchase whose ledger the screen reads; a scope
// without one has no history to show (404).
func (s *Server) historyPurchase(c echo.Context, sc seatScope) (*models.AddOnPurchase, error) {
	p, err := s.seatPurchase(c, sc)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errNotFound
	}
	return p, nil
}

// seatUserLinks says where a page's usernames link to, for the viewer:
// given the page's events, a func giving each one's href ("" for none).
type seatUserLinks func(c echo.Context, evs []models.SeatEvent) (func(*models.SeatEvent) string, error)

// showSeatHistory renders one page of the filtered ledger (422 with the
// form's errors for a bad reason or date, and then no rows).
func (s *Server) showSeatHistory(c echo.Context, sc seatScope, links seatUserLinks) error {
	p, err := s.historyPurchase(c, sc)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	values, f, kept, errs := seatHistoryFilterFromQuery(q)
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if !slices.Contains(models.PerPageChoices, perPage) {
		perPage = models.PerPageChoices[0]
	}
	status := http.StatusOK
	list := models.Paged[models.SeatEvent]{Page: 1, PerPage: perPage}
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	} else if list, err = s.store.SeatEvents(c.Request().Context(), p.ID, f,
		models.Page{Number: pageParam(q.Get("page")), PerPage: perPage}); err != nil {
		return err
	}
	if list.PerPage != models.PerPageChoices[0] {
		kept.Set("per_page", strconv.Itoa(list.PerPage))
	}
	userHref, err := links(c, list.Items)
	if err != nil {
		return err
	}
	rows := make([]seathistory.Row, len(list.Items))
	for i := range list.Items {
		rows[i] = seathistory.Row{Event: &list.Items[i], UserHref: userHref(&list.Items[i])}
	}
	crumbs := append(sc.bulkCrumbs[:len(sc.bulkCrumbs):len(sc.bulkCrumbs)], layouts.Crumb{Text: "Seat history"})
	if n := len(crumbs); n >= 2 && crumbs[n-2].Href == "" {
		crumbs[n-2].Href = sc.keepAddOn(sc.bulkPath)
	}
	return render(c, status, seathistory.Page(s.seatChrome(c, sc, "Seat history", crumbs), seathistory.Props{
		Subtitle: "Every " + p.AddOn.Title() + " seat gained or lost, with its reason.",
		Base:     sc.historyPath(), Events: list, Rows: rows, Filter: values, Query: sc.withAddOn(kept),
		Reasons: models.SeatReasons, Errs: errs, SeatsHref: sc.keepAddOn(sc.bulkPath), AddOn: string(sc.addOn)}))
}

var seatHistoryCSVHeader = []string{"Date", "User", "Event", "Reason", "Actor"}

// seatHistoryLine is one NDJSON line: the API's fields.
type seatHistoryLine struct {
	Username  string    `json:"username"`
	Event     string    `json:"event"`
	Reason    string    `json:"reason"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
}

// exportSeatHistory streams the filtered ledger as CSV or NDJSON, a
// keyset batch at a time (EachSeatEvent), flushing after each batch. Bad
// filters are a 422 before anything is written; a failed read breaks the
// download off (finishDownload).
func (s *Server) exportSeatHistory(c echo.Context, sc seatScope, ndjson bool) error {
	p, err := s.historyPurchase(c, sc)
	if err != nil {
		return err
	}
	_, f, _, errs := seatHistoryFilterFromQuery(c.QueryParams())
	if len(errs) > 0 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, errs.Error())
	}
	name := "gitlab_duo_seat_history_" + sc.exportName + "_" + models.Today().String()
	ctx := c.Request().Context()
	n := 0
	if ndjson {
		w := newNDJSONDownload(c, name+".ndjson")
		err = s.store.EachSeatEvent(ctx, p.ID, f, func(e *models.SeatEvent) error {
			err := w.Write(seatHistoryLine{Username: e.Username, Event: e.Event, Reason: e.Reason, Actor: e.ActorName,
				CreatedAt: e.CreatedAt.UTC()})
			if n++; err == nil && n%models.SeatEventExportBatch == 0 {
				err = w.flush()
			}
			return err
		})
		return s.finishDownload(c, w, err)
	}
	w := newCSVDownload(c, name+".csv")
	if err := w.Write(seatHistoryCSVHeader); err != nil {
		return err
	}
	err = s.store.EachSeatEvent(ctx, p.ID, f, func(e *models.SeatEvent) error {
		err := w.Write([]string{e.CreatedAt.UTC().Format(time.RFC3339), csvCell(e.Username), e.Event, e.Reason,
			csvCell(e.ActorName)})
		if n++; err == nil && n%models.SeatEventExportBatch == 0 {
			err = w.flush()
		}
		return err
	})
	return s.finishCSV(w, err)
}
