package handlers

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/seats"
)

// The seat screens are shared by the Admin area (self-managed: the
// instance's purchase) and a top-level group's (GitLab.com): this is what
// differs between them, and the request each of them parses.

// seatScope is what differs between the Admin area's seat screens
// (self-managed: the instance's purchase) and a top-level group's
// (GitLab.com); the screens themselves are shared below.
type seatScope struct {
	group      *models.Group // nil: the instance
	listPath   string        // the seat list with per-user switches
	bulkPath   string        // the bulk table
	listCrumbs []layouts.Crumb
	bulkCrumbs []layouts.Crumb
	nav        *layouts.Nav
	configPath string
	// billingPath is where people who cannot provision buy seats or start a trial.
	billingPath string
	exportName  string
	// addOn is the purchase the request names (?add_on=), "" for the
	// default one (seatPurchase).
	addOn models.AddOn
}

func (sc seatScope) namespaceID() *int64 {
	if sc.group == nil {
		return nil
	}
	return &sc.group.ID
}

func (sc seatScope) assignPath() string { return sc.listPath + "/assignments" }
func (sc seatScope) bulkPost() string   { return sc.bulkPath + "/bulk" }
func (sc seatScope) csvPath() string    { return sc.bulkPath + "/export.csv" }

// safeReturn accepts only this scope's two seat pages as return_to, so the
// switch cannot be turned into an open redirect.
func (sc seatScope) safeReturn(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || (u.Path != sc.listPath && u.Path != sc.bulkPath) {
		return sc.listPath
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || len(q) == 0 {
		return u.Path
	}
	return u.Path + "?" + q.Encode()
}

// seatRequest is the table's query (GET) or the bulk form's copy of it.
// Unknown values fall back to the defaults, as GitLab's filters do.
type seatRequest struct {
	filter  models.SeatFilter
	view    seats.Filter
	page    int
	perPage int
}

func parseSeatRequest(v url.Values) seatRequest {
	r := seatRequest{page: 1, perPage: models.PerPageChoices[0]}
	switch a := v.Get("assigned"); a {
	case "true", "false":
		b := a == "true"
		r.filter.Assigned = &b
		r.view.Assigned = a
	}
	r.view.Search = strings.TrimSpace(v.Get("search"))
	if n := len([]rune(r.view.Search)); n >= models.MinSeatSearch {
		r.filter.Search = r.view.Search
	} else if n > 0 {
		r.view.SearchTooShort = true
	}
	r.filter.Sort = models.DefaultSeatSort
	if _, ok := models.SeatSorts[v.Get("sort")]; ok {
		r.filter.Sort = v.Get("sort")
	}
	r.view.Sort = r.filter.Sort
	if n, err := strconv.Atoi(v.Get("per_page")); err == nil {
		for _, c := range models.PerPageChoices {
			if c == n {
				r.perPage = n
			}
		}
	}
	r.view.PerPage = r.perPage
	if n := pageParam(v.Get("page")); n > 1 {
		r.page = n
	}
	return r
}

// query is the request's non-default parameters, the page only if asked.
func (r seatRequest) query(withPage bool) url.Values {
	q := url.Values{}
	for _, f := range seats.FilterFields(r.view, 0) {
		q.Set(f.Name, f.Value)
	}
	if withPage && r.page > 1 {
		q.Set("page", strconv.Itoa(r.page))
	}
	return q
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func (s *Server) seatChrome(c echo.Context, sc seatScope, title string, crumbs []layouts.Crumb) layouts.Chrome {
	ch := s.chrome(c, title)
	ch.Nav, ch.Breadcrumbs = sc.nav, crumbs
	// GitLab.com shows the seat table and its tabs under Settings > Usage Quotas.
	if sc.group != nil && strings.HasPrefix(c.Request().URL.Path, sc.bulkPath) {
		ch.Nav = s.groupNav(sc.group, "Usage Quotas")
	}
	return ch
}

// seatPurchase is the purchase the screens manage (the add-on the request
// names, else the default); nil when there is none.
func (s *Server) seatPurchase(c echo.Context, sc seatScope) (*models.AddOnPurchase, error) {
	p, err := s.store.SeatPurchaseOf(c.Request().Context(), sc.namespaceID(), sc.addOn)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return p, err
}

// addSeatsHref: admins provision seats on the subscription's page; others
// buy them from the group's billing page.
func (sc seatScope) addSeatsHref(c echo.Context, p *models.AddOnPurchase) string {
	if v := viewer(c); v.Admin || v.Auditor {
		if p.PurchaseXID == "" {
			return "/admin/subscriptions"
		}
		return "/admin/subscriptions/" + url.PathEscape(p.PurchaseXID)
	}
	return ""
}

func (sc seatScope) addSeatsLink(c echo.Context, p *models.AddOnPurchase) string {
	if h := sc.addSeatsHref(c, p); h != "" {
		return h
	}
	return sc.billingPath
}
