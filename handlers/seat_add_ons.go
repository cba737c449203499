package handlers

import (
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/seats"
)

// The add-on switcher: a namespace (or the instance) that has Duo Pro and
// Duo Enterprise manages each one's seats. ?add_on= names the purchase a
// seat screen manages; its links, forms and redirects keep it.

// addOnParam is the add-on a request names (query or form), "" for none
// or an unknown value (the scope's default purchase then).
func addOnParam(c echo.Context) models.AddOn {
	if a := models.AddOn(c.FormValue("add_on")); a.Valid() {
		return a
	}
	return ""
}

// keepAddOn adds the selected add-on to one of the scope's links.
func (sc seatScope) keepAddOn(path string) string {
	if sc.addOn == "" {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "add_on=" + url.QueryEscape(string(sc.addOn))
}

// withAddOn is q (a copy) with the selected add-on.
func (sc seatScope) withAddOn(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	if sc.addOn != "" {
		out.Set("add_on", string(sc.addOn))
	}
	return out
}

// addOnTabs is the switcher over the scope's purchases, Enterprise first,
// each with its seats used, linking to path; none when there is only one
// purchase to manage. An expired trial is not managed (GitLab shows its
// "trial has expired" state instead).
func (s *Server) addOnTabs(c echo.Context, sc seatScope, path string, current *models.AddOnPurchase) ([]seats.AddOnTab, error) {
	ctx := c.Request().Context()
	all, err := s.store.PurchasesFor(ctx, sc.namespaceID())
	if err != nil {
		return nil, err
	}
	today := models.Today()
	var ps []models.AddOnPurchase
	var ids []int64
	for _, p := range all {
		if p.Trial && !today.Before(p.ExpiresOn) {
			continue
		}
		ps, ids = append(ps, p), append(ids, p.ID)
	}
	if len(ps) < 2 {
		return nil, nil
	}
	used, err := s.store.AssignedCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]seats.AddOnTab, 0, len(ps))
	for _, p := range ps {
		out = append(out, seats.AddOnTab{AddOn: p.AddOn, Used: used[p.ID], Purchased: int64(p.Quantity), Trial: p.Trial,
			Href: withQuery(path, url.Values{"add_on": {string(p.AddOn)}}), Active: p.ID == current.ID})
	}
	return out, nil
}
