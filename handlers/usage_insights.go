package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/usage"
)

// A purchase's Usage tab: the five charts and their CSVs. The Admin
// area's and a top-level group's differ only in their seatScope.

type usageData struct {
	p      *models.AddOnPurchase
	today  models.Date
	charts []usage.Chart
}

func (s *Server) usageData(c echo.Context, sc seatScope) (*usageData, error) {
	p, err := s.historyPurchase(c, sc)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	today := models.Today()
	from, to := models.UsageWindow(p, today)
	days, err := s.store.UsageDays(ctx, p.ID, from, to)
	if err != nil {
		return nil, err
	}
	act, err := s.store.SeatActivity(ctx, p.ID, today)
	if err != nil {
		return nil, err
	}
	csv := func(id string) string { return sc.keepAddOn(sc.usagePath() + "/export.csv?chart=" + id) }
	return &usageData{p: p, today: today,
		charts: usage.Build(usage.Input{From: from, To: to, Days: days, Activity: act, CSVHref: csv})}, nil
}

// showUsage renders the tab; ?sort= and ?page= are the per-group table's.
func (s *Server) showUsage(c echo.Context, sc seatScope) error {
	d, err := s.usageData(c, sc)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	sort := q.Get("sort")
	if _, ok := models.GroupUsageSorts[sort]; !ok {
		sort = "assigned"
	}
	page := pageParam(q.Get("page"))
	gs, err := s.store.GroupUsagePage(c.Request().Context(), d.p, d.today, sort, models.Page{Number: page, PerPage: models.PerPageChoices[0]})
	if err != nil {
		return err
	}
	title, heading := usage.GroupTitle(sc.group != nil)
	from, to := models.UsageWindow(d.p, d.today)
	crumbs := append(sc.bulkCrumbs[:len(sc.bulkCrumbs):len(sc.bulkCrumbs)], layouts.Crumb{Text: "Usage"})
	if n := len(crumbs); n >= 2 && crumbs[n-2].Href == "" {
		crumbs[n-2].Href = sc.keepAddOn(sc.bulkPath)
	}
	var keep url.Values
	if sort != "assigned" {
		keep = url.Values{"sort": {sort}}
	}
	return ok(c, usage.Page(s.seatChrome(c, sc, "Usage", crumbs), usage.Props{
		Tabs: sc.tabs("usage"), AddOnTitle: d.p.AddOn.Title(), From: from.String(), To: to.String(), Charts: d.charts,
		APIHref: "GET /api/v4/add_on_purchases/" + strconv.FormatInt(d.p.ID, 10) + "/usage?from=" + from.String() + "&to=" + to.String(),
		Groups: usage.Groups{Title: title, Heading: heading, Rows: usage.GroupRows(gs.Items), Sort: sort,
			SortHref: func(k string) string { return usage.SortHref(sc.usagePath(), sc.withAddOn(nil), k) },
			CSVHref:  sc.keepAddOn(sc.usagePath() + "/export.csv?chart=" + usage.ChartGroups + "&sort=" + sort),
			Pager:    components.Pager{Path: sc.usagePath(), Query: sc.withAddOn(keep), Page: gs.Page, TotalPages: gs.TotalPages(), Total: gs.Total}},
	}))
}

// exportUsage writes one chart's table as CSV (?chart=, by default the
// daily seats); the per-group
// table is read page by page, whole.
func (s *Server) exportUsage(c echo.Context, sc seatScope) error {
	id := c.QueryParam("chart")
	if id == "" {
		id = usage.ChartSeats
	}
	d, err := s.usageData(c, sc)
	if err != nil {
		return err
	}
	name := "gitlab_duo_usage_" + id + "_" + sc.exportName + "_" + d.today.String() + ".csv"
	if id == usage.ChartGroups {
		return s.exportGroupUsage(c, d, name)
	}
	for _, ch := range d.charts {
		if ch.ID != id {
			continue
		}
		w := newCSVDownload(c, name)
		if err := w.Write(ch.Columns); err != nil {
			return err
		}
		for _, r := range ch.Rows {
			if err := w.Write(r); err != nil {
				return err
			}
		}
		return s.finishCSV(w, nil)
	}
	return echo.NewHTTPError(http.StatusUnprocessableEntity, "chart must be one of seats, active, features, idle, groups")
}

func (s *Server) exportGroupUsage(c echo.Context, d *usageData, name string) error {
	sort := c.QueryParam("sort")
	per := models.PerPageChoices[len(models.PerPageChoices)-1]
	w := newCSVDownload(c, name)
	if err := w.Write([]string{"Group", "Assigned", "Active", "Idle"}); err != nil {
		return err
	}
	for page := 1; ; page++ {
		gs, err := s.store.GroupUsagePage(c.Request().Context(), d.p, d.today, sort, models.Page{Number: page, PerPage: per})
		if err != nil {
			return s.finishCSV(w, err)
		}
		for _, g := range gs.Items {
			if err := w.Write([]string{csvCell(g.FullPath), itoa64(g.Assigned), itoa64(g.Active), itoa64(g.Idle())}); err != nil {
				return s.finishCSV(w, err)
			}
		}
		if page >= gs.TotalPages() {
			return s.finishCSV(w, nil)
		}
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
