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
	// AddOn is the add-on the switcher selected ("" without a switcher):
	// the filter form keeps it.
	AddOn string
	// Selected is the users ticked when the page comes back from the
	// confirmation or a refusal; SelectAll the "all matching" box.
	Selected  map[int64]bool
	SelectAll bool
	// UserHref is a user's GitLab Duo page (nil or "" when the viewer
	// has none to open).
	UserHref func(id int64, username string) string
}

// AddOnTab is one tab of the add-on switcher.
type AddOnTab struct {
	AddOn     models.AddOn
	Used      int64
	Purchased int64
	Trial     bool
	Href      string
	Active    bool
}

// NotEnough is GitLab's "Not enough seats" alert, refused before the
// confirmation: how many selected users need a seat, how many are free.
type NotEnough struct {
	Selected     int64
	Free         int64
	PurchaseHref string
}

type Props struct {
	Heading   string
	Subtitle  string
	Badge     string // "Pro" or "Enterprise" on the bulk table
	Notice    *Notice
	Cards     Cards
	Table     Table
	Tabs      []components.Tab // the bulk table's: Seats, Usage, …
	AddOns    []AddOnTab       // the add-on switcher; none for one purchase
	NotEnough *NotEnough
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
	// Users names the first ConfirmListed users; More is how many others.
	Users []string
	More  int64
}

// ConfirmListed is how many users the confirmation names.
const ConfirmListed = 20

func moreText(n int64) string { return "and " + countText(n) + " more" }

// SelectedText is GitLab's bulk bar count.
func SelectedText(n int64) string {
	if n == 1 {
		return "1 user selected"
	}
	return countText(n) + " users selected"
}

func usedText(t AddOnTab) string { return countText(t.Used) + " / " + countText(t.Purchased) }

// NotEnoughText gives the numbers behind the refusal.
func NotEnoughText(n NotEnough) string {
	seats := " seats are"
	if n.Free == 1 {
		seats = " seat is"
	}
	return "There are not enough seats to assign the GitLab Duo add-on to all selected members: " +
		SelectedText(n.Selected) + " without a seat, " + countText(n.Free) + seats + " available."
}

type option struct{ Value, Label string }

var assignedOptions = []option{{"", "Any"}, {"true", "Yes"}, {"false", "No"}}

// sortOptions are models.SeatSorts under GitLab's names ("Last activity",
// "Name"), each in GitLab's first direction; the other direction says so.
var sortOptions = []option{
	{"id_asc", "Default"},
	{"last_activity_on_desc", "Last activity"},
	{"last_activity_on_asc", "Last activity (oldest first)"},
	{"name_asc", "Name"},
	{"name_desc", "Name (Z to A)"},
	{"last_duo_activity_on_desc", "Last GitLab Duo activity"},
	{"last_duo_activity_on_asc", "Last GitLab Duo activity (oldest first)"},
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

// selectedCount is what the bulk bar counts when the page is drawn: every
// matching user with "select all", else the ticked rows.
func selectedCount(t Table) int64 {
	if t.SelectAll {
		return t.Total
	}
	var n int64
	for _, r := range t.Rows {
		if t.Selected[r.ID] {
			n++
		}
	}
	return n
}

func userHref(t Table, r *models.SeatRow) string {
	if t.UserHref == nil {
		return ""
	}
	return t.UserHref(r.ID, r.Username)
}
