package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/seats"
)

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
	return ch
}

// seatPurchase is the purchase the screens manage; nil when there is none.
func (s *Server) seatPurchase(c echo.Context, sc seatScope) (*models.AddOnPurchase, error) {
	p, err := s.store.SeatPurchase(c.Request().Context(), sc.namespaceID())
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

// showSeats renders the seat list, or with bulk the bulk table.
func (s *Server) showSeats(c echo.Context, sc seatScope, bulk bool) error {
	ctx := c.Request().Context()
	p, err := s.seatPurchase(c, sc)
	if err != nil {
		return err
	}
	today := models.Today()
	if p == nil || (p.Trial && !today.Before(p.ExpiresOn)) {
		return s.showSeatsEmpty(c, sc, p, bulk)
	}
	req := parseSeatRequest(c.QueryParams())
	list, err := s.store.SeatTable(ctx, p, req.filter, models.Page{Number: req.page, PerPage: req.perPage})
	if err != nil {
		return err
	}
	assigned, err := s.store.AssignedCount(ctx, p.ID)
	if err != nil {
		return err
	}
	path, title, crumbs := sc.listPath, "GitLab Duo", sc.listCrumbs
	props := seats.Props{Heading: "GitLab Duo",
		Subtitle: "Monitor, manage, and customize AI-powered features to ensure efficient utilization and alignment."}
	if bulk {
		path, title, crumbs = sc.bulkPath, "Seat utilization", sc.bulkCrumbs
		props = seats.Props{Heading: "Seat utilization", Badge: tierBadge(p.AddOn), Subtitle: manageText(p.AddOn, sc.group != nil)}
	}
	props.Notice = purchaseNotice(p, today)
	props.Cards = seats.Cards{AddOn: p.AddOn, Trial: p.Trial, StartDate: "Not available", EndDate: seats.DateText(&p.ExpiresOn),
		Assigned: assigned, Purchased: int64(p.Quantity), AddSeatsHref: sc.addSeatsHref(c, p), PurchaseHref: sc.billingPath}
	if p.StartedAt != nil {
		props.Cards.StartDate = seats.DateText(p.StartedAt)
	}
	if !bulk {
		props.Cards.AssignHref, props.Cards.ConfigHref = sc.bulkPath, sc.configPath
	}
	filters := req.query(false)
	props.Table = seats.Table{AddOnTitle: p.AddOn.Title(), Rows: list.Items, Total: list.Total, Filter: req.view,
		Pager: components.Pager{Path: path, Query: filters, Page: list.Page, TotalPages: list.TotalPages(), Total: list.Total},
		Path:  path, AssignAction: sc.assignPath(), ReturnTo: withQuery(path, req.query(true)),
		Bulk: bulk, BulkAction: sc.bulkPost(), Page: list.Page, CSVHref: withQuery(sc.csvPath(), filters),
		CanAssign: p.ActiveOn(today), ShowInvite: sc.group != nil}
	return ok(c, seats.Page(s.seatChrome(c, sc, title, crumbs), props))
}

func tierBadge(a models.AddOn) string {
	if a == models.AddOnDuoEnterprise {
		return "Enterprise"
	}
	return "Pro"
}

func manageText(a models.AddOn, group bool) string {
	if group {
		return "Manage seat assignments for " + a.Title() + " within your group."
	}
	return "Manage seat assignments for " + a.Title() + "."
}

// purchaseNotice explains why seats cannot be assigned right now.
func purchaseNotice(p *models.AddOnPurchase, today models.Date) *seats.Notice {
	switch {
	case p.ActiveOn(today):
		return nil
	case today.Before(p.ExpiresOn):
		return &seats.Notice{Kind: "info", Text: "Your " + p.AddOn.Title() + " subscription starts on " +
			seats.DateText(p.StartedAt) + ". Seats can be assigned from then."}
	case p.InGrace(today):
		keep := p.ExpiresOn.AddDays(models.ExpiryGraceDays)
		return &seats.Notice{Kind: "warning", Text: "Your " + p.AddOn.Title() + " subscription expired on " +
			seats.DateText(&p.ExpiresOn) + ". Access to " + p.AddOn.Title() +
			" is suspended until the subscription is renewed. Seat assignments are kept until " + seats.DateText(&keep) + "."}
	}
	return &seats.Notice{Kind: "warning", Text: "Your " + p.AddOn.Title() + " subscription expired on " +
		seats.DateText(&p.ExpiresOn) + ". Renew it to assign seats again."}
}

// showSeatsEmpty is GitLab's empty state: no purchase, an expired trial,
// or a plan that cannot have GitLab Duo.
func (s *Server) showSeatsEmpty(c echo.Context, sc seatScope, expiredTrial *models.AddOnPurchase, bulk bool) error {
	plan := models.PlanFree
	if sc.group != nil {
		plan = sc.group.Plan
	} else {
		st, err := s.store.InstanceSettings(c.Request().Context())
		if err != nil {
			return err
		}
		plan = st.Plan
	}
	purchase := sc.billingPath
	if v := viewer(c); v.Admin || v.Auditor {
		purchase = "/admin/subscriptions"
	}
	p := seats.EmptyProps{Heading: "GitLab Duo", Title: "Introducing GitLab Duo",
		Body:      "Enhance your coding experience with intelligent recommendations. GitLab Duo offers features that use generative AI to suggest code.",
		TrialHref: sc.billingPath, PurchaseHref: purchase}
	title, crumbs := "GitLab Duo", sc.listCrumbs
	if bulk {
		p.Heading, title, crumbs = "Seat utilization", "Seat utilization", sc.bulkCrumbs
	}
	switch {
	case expiredTrial != nil:
		p.Title = "Your " + expiredTrial.AddOn.Title() + " trial has expired"
		p.Body = "To buy GitLab Duo seats and regain access, you'll need a Premium or Ultimate subscription."
		p.TrialHref = ""
	case !plan.Paid():
		p.Body = "Before you can buy GitLab Duo seats, you'll need a Premium or Ultimate subscription."
		p.TrialHref, p.PurchaseHref = "", ""
	}
	return ok(c, seats.Empty(s.seatChrome(c, sc, title, crumbs), p))
}

// seatAlert is GitLab's alert for a failed assignment.
func seatAlert(code, addSeats string) layouts.Flash {
	switch code {
	case models.NoSeatsAvailable:
		return layouts.Flash{Kind: "danger", Title: "No seats available",
			Text: "You have assigned all available GitLab Duo add-on seats.", LinkText: "Add seats", LinkHref: addSeats}
	case models.NotEnoughSeats:
		return layouts.Flash{Kind: "danger", Title: "Not enough seats",
			Text: "There are not enough seats to assign the GitLab Duo add-on to all selected members.", LinkText: "Add seats", LinkHref: addSeats}
	}
	return layouts.Flash{Kind: "danger", Title: "Error assigning GitLab Duo add-on",
		Text: "Something went wrong when assigning the add-on to this member. If the problem persists, please contact support."}
}

// inactiveAlert: the store would accept the seat, but an expired (or not
// yet started) purchase gives no access, so the screens refuse.
func inactiveAlert(p *models.AddOnPurchase) layouts.Flash {
	return layouts.Flash{Kind: "danger", Title: "Error assigning GitLab Duo add-on",
		Text: "The " + p.AddOn.Title() + " subscription is not active, so no seats can be assigned."}
}

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
	ctx, actor := c.Request().Context(), models.ActorFor(viewer(c))
	switch c.FormValue("assign") {
	case "1":
		if !p.ActiveOn(models.Today()) {
			return s.redirectWithAlert(c, back, inactiveAlert(p))
		}
		_, err = s.store.AssignSeat(ctx, actor, p.ID, uid)
		var se *models.SeatError
		if errors.As(err, &se) {
			return s.redirectWithAlert(c, back, seatAlert(se.Code, sc.addSeatsLink(c, p)))
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
	back := withQuery(sc.bulkPath, req.query(true))
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
	if action == "assign" && !p.ActiveOn(models.Today()) {
		return s.redirectWithAlert(c, back, inactiveAlert(p))
	}
	if form.Get("confirm") != "1" {
		return s.confirmBulkSeats(c, sc, action, ids, selectAll, req, back)
	}
	actor := models.ActorFor(viewer(c))
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
		return s.redirectWithAlert(c, back, seatAlert(se.Code, sc.addSeatsLink(c, p)))
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

func (s *Server) confirmBulkSeats(c echo.Context, sc seatScope, action string, ids []int64, selectAll bool, req seatRequest, back string) error {
	n := len(ids)
	p := seats.ConfirmProps{Action: sc.bulkPost(), Cancel: back, Fields: []seats.Field{{Name: "bulk_action", Value: action}}}
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
	} else {
		for _, id := range ids {
			p.Fields = append(p.Fields, seats.Field{Name: "user_ids", Value: strconv.FormatInt(id, 10)})
		}
	}
	p.Fields = append(p.Fields, seats.FilterFields(req.view, req.page)...)
	return ok(c, seats.Confirm(s.seatChrome(c, sc, p.Title, sc.bulkCrumbs), p))
}

var seatCSVHeader = []string{"username", "name", "email", "max_role", "assigned", "assigned_at", "last_activity_on", "last_duo_activity_on"}

// exportSeats streams the filtered table as CSV, a batch at a time, so
// 100,000 rows never sit in memory; a failed read breaks the download off
// (finishCSV).
func (s *Server) exportSeats(c echo.Context, sc seatScope) error {
	p, err := s.seatPurchase(c, sc)
	if err != nil {
		return err
	}
	if p == nil {
		return errNotFound
	}
	req := parseSeatRequest(c.QueryParams())
	w := newCSVDownload(c, "gitlab_duo_seats_"+sc.exportName+"_"+models.Today().String()+".csv")
	if err := w.Write(seatCSVHeader); err != nil {
		return err
	}
	err = s.store.EachSeatRow(c.Request().Context(), p, req.filter, func(r models.SeatRow) error {
		email := ""
		if r.PublicEmail {
			email = r.Email
		}
		role := ""
		if r.MaxRole.Valid() {
			role = r.MaxRole.String()
		}
		assignedAt := ""
		if r.AssignedAt != nil {
			assignedAt = r.AssignedAt.UTC().Format(time.RFC3339)
		}
		return w.Write([]string{csvCell(r.Username), csvCell(r.Name), csvCell(email), role,
			strconv.FormatBool(r.Assigned()), assignedAt, csvDate(r.LastActivityOn), csvDate(r.LastDuoActivityOn)})
	})
	return s.finishCSV(w, err)
}

func csvDate(d *models.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// csvCell keeps a spreadsheet from running a name such as "=HYPERLINK(…)"
// as a formula.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// exportSlug keeps the file name to characters every system accepts.
func exportSlug(v string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, v)
}
