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
	"duoadmin/views/pages/audit"
)

// auditPage is what differs between the admin and the group audit pages.
type auditPage struct {
	scope     *models.Group // nil in the admin area
	base      string
	subtitle  string
	nav       *layouts.Nav
	crumbs    []layouts.Crumb
	userLinks bool
	export    string // file name stem of the CSV
}

// auditFilterFromQuery reads the filter form (GET). Bad dates are field
// errors; an unknown username or group just matches nothing, as GitLab's
// filters do.
func auditFilterFromQuery(q url.Values) (audit.Filter, models.AuditFilter, url.Values, models.FieldErrors) {
	v := audit.Filter{
		Actor:      strings.TrimPrefix(strings.TrimSpace(q.Get("actor")), "@"),
		TargetUser: strings.TrimPrefix(strings.TrimSpace(q.Get("target_user")), "@"),
		Group:      strings.Trim(strings.TrimSpace(q.Get("group")), "/"),
		Action:     strings.TrimSpace(q.Get("action")),
		From:       strings.TrimSpace(q.Get("from")),
		To:         strings.TrimSpace(q.Get("to")),
	}
	f := models.AuditFilter{ActorUsername: v.Actor, TargetUsername: v.TargetUser, GroupPath: v.Group}
	if v.Action != "" {
		f.Actions = []string{v.Action}
	}
	errs := models.FieldErrors{}
	f.Since, f.Before = dateRangeParams(errs, v.From, v.To)
	kept := url.Values{}
	for k, val := range map[string]string{"actor": v.Actor, "target_user": v.TargetUser, "group": v.Group,
		"action": v.Action, "from": v.From, "to": v.To} {
		if val != "" {
			kept.Set(k, val)
		}
	}
	return v, f, kept, errs
}

// showAuditEvents renders one page of the filtered log (422 with the
// form's errors for bad dates, and then no events).
func (s *Server) showAuditEvents(c echo.Context, ap auditPage) error {
	q := c.QueryParams()
	values, f, kept, errs := auditFilterFromQuery(q)
	f.Scope = ap.scope
	number := pageParam(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	status := http.StatusOK
	var list models.Paged[models.AuditEvent]
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
		list = models.Paged[models.AuditEvent]{Page: 1, PerPage: models.PerPageChoices[0]}
	} else {
		var err error
		if list, err = s.store.AuditEventsPage(c.Request().Context(), f, models.Page{Number: number, PerPage: perPage}); err != nil {
			return err
		}
	}
	if list.PerPage != models.PerPageChoices[0] {
		kept.Set("per_page", strconv.Itoa(list.PerPage))
	}
	actions := models.AuditActions
	if values.Action != "" && !slices.Contains(actions, values.Action) {
		actions = append(slices.Clone(actions), values.Action)
	}
	ch := s.chrome(c, "Audit events")
	ch.Nav, ch.Breadcrumbs = ap.nav, ap.crumbs
	return render(c, status, audit.Events(ch, audit.Props{Subtitle: ap.subtitle, Base: ap.base, Events: list,
		Filter: values, Query: kept, Actions: actions, Errs: errs, UserLinks: ap.userLinks}))
}

var auditCSVHeader = []string{"ID", "Time", "Author", "Author ID", "Action", "Target type", "Target ID", "Target",
	"Before / after", "Reason", "Details"}

// exportAuditEvents streams the filtered log as CSV: rows are written as
// the Store reads them, a keyset batch at a time, so the export of a
// million events holds one batch. Bad dates are a 422 before anything
// is written; a failed read breaks the download off (finishCSV).
func (s *Server) exportAuditEvents(c echo.Context, ap auditPage) error {
	_, f, _, errs := auditFilterFromQuery(c.QueryParams())
	if len(errs) > 0 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, errs.Error())
	}
	f.Scope = ap.scope
	w := newCSVDownload(c, "audit_events_"+ap.export+"_"+models.Today().String()+".csv")
	if err := w.Write(auditCSVHeader); err != nil {
		return err
	}
	n := 0
	err := s.store.EachAuditEvent(c.Request().Context(), f, func(e *models.AuditEvent) error {
		d := audit.Describe(e.Details)
		err := w.Write([]string{strconv.FormatInt(e.ID, 10), e.CreatedAt.UTC().Format(time.RFC3339),
			csvCell(e.ActorName), idCell(e.ActorID), e.Action, e.TargetType, idCell(e.TargetID), csvCell(e.TargetName),
			csvCell(audit.CSVChanges(d)), csvCell(d.Reason), csvCell(e.Details)})
		if n++; err == nil && n%models.AuditExportBatch == 0 {
			err = w.flush()
		}
		return err
	})
	return s.finishCSV(w, err)
}

func idCell(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}
