// Package seats is the GitLab Duo seat screens that the Admin area
// (self-managed) and top-level groups (GitLab.com) share: the seat list
// with per-user switches and the bulk table.
package seats

import (
	"net/url"
	"strconv"

	"duoadmin/models"
	"duoadmin/views/components"
)

// Cards is the Subscription (or Trial) card and the "Seats used" card.
type Cards struct {
	AddOn     models.AddOn
	Trial     bool
	StartDate string // "Nov 01, 2026" or "Not available"
	EndDate   string
	Assigned  int64
	Purchased int64
	// AddSeatsHref is set for viewers who can provision seats (admins).
	AddSeatsHref string
	// PurchaseHref is where everyone else buys seats.
	PurchaseHref string
	// AssignHref links the seat list to the bulk table ("Assign seats").
	AssignHref string
	ConfigHref string
}

// Notice is the alert above the cards when the purchase is not active.
type Notice struct {
	Kind string // warning or info
	Text string
}

// Filter is the table's query as the filter form shows it.
type Filter struct {
	Assigned       string // "", "true" or "false"
	Search         string
	SearchTooShort bool
	Sort           string
	PerPage        int
}

// Table is the seat table with its filter form and, when Bulk, the
// checkboxes and the bulk form.
type Table struct {
	AddOnTitle string
	Rows       []models.SeatRow
	Total      int64
	Pager      components.Pager
	Filter     Filter
	Path       string // this page; the filter form submits here
	// AssignAction is where each row's switch posts; ReturnTo brings the
	// viewer back to this page with the same filters.
	AssignAction string
	ReturnTo     string
	Bulk         bool
	BulkAction   string
	Page         int
	CSVHref      string
	// HistoryHref is the purchase's Seat history ("" on the seat list).
	HistoryHref string
	// CanAssign is false while the purchase is not active: seats can then
	// only be removed.
	CanAssign  bool
	ShowInvite bool
}

type Props struct {
	Heading  string
	Subtitle string
	Badge    string // "Pro" or "Enterprise" on the bulk table
	Notice   *Notice
	Cards    Cards
	Table    Table
	Tabs     []components.Tab // the bulk table's: Seats, Usage, …
}

// EmptyProps is GitLab's empty state when there is no purchase to manage.
type EmptyProps struct {
	Heading      string
	Subtitle     string
	Title        string
	Body         string
	TrialHref    string
	PurchaseHref string
}

// Field is one posted value carried through the confirmation page.
type Field struct {
	Name  string
	Value string
}

type ConfirmProps struct {
	Title   string
	Message string
	Submit  string
	Remove  bool
	Action  string
	Fields  []Field
	Cancel  string
}

type option struct{ Value, Label string }

var assignedOptions = []option{{"", "Any"}, {"true", "Yes"}, {"false", "No"}}

// sortOptions are models.SeatSorts with GitLab's labels.
var sortOptions = []option{
	{"id_asc", "Default"},
	{"last_activity_on_desc", "Last activity, descending"},
	{"last_activity_on_asc", "Last activity, ascending"},
	{"name_asc", "Name, ascending"},
	{"name_desc", "Name, descending"},
	{"last_duo_activity_on_desc", "Last GitLab Duo activity, descending"},
	{"last_duo_activity_on_asc", "Last GitLab Duo activity, ascending"},
}

// DateText is GitLab's "mmm d, yyyy" (components.Date).
func DateText(d *models.Date) string {
	if d == nil {
		return ""
	}
	return components.Date(*d)
}

func activity(d *models.Date) string {
	if d == nil {
		return "Never"
	}
	return DateText(d)
}

func idText(id int64) string { return strconv.FormatInt(id, 10) }

func countText(n int64) string { return strconv.FormatInt(n, 10) }

func initial(name string) string {
	for _, r := range name {
		return string(r)
	}
	return "?"
}

func roleText(r models.AccessLevel) string {
	if r.Valid() {
		return r.String()
	}
	return ""
}

func onceText(addOn models.AddOn) string {
	return "A user can be assigned a " + addOn.Title() + " seat only once each billable month."
}

func selectAllText(n int64) string {
	if n == 1 {
		return "Select the 1 user matching this filter"
	}
	return "Select all " + countText(n) + " users matching this filter"
}

// FilterFields is the filter's non-default values as form fields, so the
// bulk form, its confirmation and the way back keep it.
func FilterFields(f Filter, page int) []Field {
	var out []Field
	v := url.Values{}
	if f.Assigned != "" {
		v.Set("assigned", f.Assigned)
	}
	if f.Search != "" {
		v.Set("search", f.Search)
	}
	if f.Sort != "" && f.Sort != models.DefaultSeatSort {
		v.Set("sort", f.Sort)
	}
	if f.PerPage != 0 && f.PerPage != models.PerPageChoices[0] {
		v.Set("per_page", strconv.Itoa(f.PerPage))
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	for _, k := range []string{"assigned", "search", "sort", "per_page", "page"} {
		if val := v.Get(k); val != "" {
			out = append(out, Field{k, val})
		}
	}
	return out
}

func usersText(n int64) string {
	if n == 1 {
		return "1 user"
	}
	return countText(n) + " users"
}
