package seathistory

import (
	"net/url"
	"strconv"

	"duoadmin/models"
)

// Filter is the filter form's values, as typed.
type Filter struct {
	Username string
	Reason   string
	From     string
	To       string
}

// Row is one ledger row as the table shows it.
type Row struct {
	Event    *models.SeatEvent
	UserHref string // the user's GitLab Duo page; "" when there is none to go to
}

type Props struct {
	Subtitle string
	Base     string // the page's URL; the exports are Base + "/export.csv" and "/export.ndjson"
	Events   models.Paged[models.SeatEvent]
	Rows     []Row
	Filter   Filter
	Query    url.Values // the current filters, kept by pagination and the exports
	Reasons  []string
	Errs     models.FieldErrors
	// SeatsHref is the seat utilization page this history belongs to.
	SeatsHref string
	// AddOn is the purchase ?add_on= names, "" for the default one; the
	// filter form and Clear keep it.
	AddOn string
}

func (p Props) clearHref() string {
	if p.AddOn == "" {
		return p.Base
	}
	return p.Base + "?" + url.Values{"add_on": {p.AddOn}}.Encode()
}

func (p Props) exportHref(ext string) string {
	if len(p.Query) == 0 {
		return p.Base + "/export." + ext
	}
	return p.Base + "/export." + ext + "?" + p.Query.Encode()
}

// EventTitle: gained → "Gained", lost → "Lost".
func EventTitle(e string) string {
	if e == models.SeatGained {
		return "Gained"
	}
	return "Lost"
}

func eventsCount(n int64) string {
	if n == 1 {
		return "1 seat event"
	}
	return strconv.FormatInt(n, 10) + " seat events"
}
