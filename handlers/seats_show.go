package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/seats"
)

// Showing the seat table (GET), its empty states and alerts.

// seatState is what a re-drawn table keeps: the selection brought back
// by Cancel or by a refusal, and the refusal itself.
type seatState struct {
	status    int
	selected  []int64
	selectAll bool
	notEnough *seats.NotEnough
}

// showSeats renders the seat list, or with bulk the bulk table; a
// selection in the query (Cancel on the confirmation) stays ticked.
func (s *Server) showSeats(c echo.Context, sc seatScope, bulk bool) error {
	q := c.QueryParams()
	return s.renderSeats(c, sc, bulk, q, seatState{status: http.StatusOK, selected: postedIDs(q["user_ids"]), selectAll: q.Get("select_all") == "1"})
}

func (s *Server) renderSeats(c echo.Context, sc seatScope, bulk bool, query url.Values, st seatState) error {
	ctx := c.Request().Context()
	p, err := s.seatPurchase(c, sc)
	if err != nil {
		return err
	}
	today := models.Today()
	if p == nil || (p.Trial && !today.Before(p.ExpiresOn)) {
		return s.showSeatsEmpty(c, sc, p, bulk)
	}
	path := sc.listPath
	if bulk {
		path = sc.bulkPath
	}
	addOns, err := s.addOnTabs(c, sc, path, p)
	if err != nil {
		return err
	}
	if len(addOns) > 0 {
		// With two add-ons every link names the one shown.
		sc.addOn = p.AddOn
	}
	req := parseSeatRequest(query)
	list, err := s.store.SeatTable(ctx, p, req.filter, models.Page{Number: req.page, PerPage: req.perPage})
	if err != nil {
		return err
	}
	assigned, err := s.store.AssignedCount(ctx, p.ID)
	if err != nil {
		return err
	}
	title, crumbs := "GitLab Duo", sc.listCrumbs
	props := seats.Props{Heading: "GitLab Duo",
		Subtitle: "Monitor, manage, and customize AI-powered features to ensure efficient utilization and alignment."}
	if bulk {
		title, crumbs = bulkTitle(sc), sc.bulkCrumbs
		props = seats.Props{Heading: title, Badge: tierBadge(p.AddOn), Subtitle: manageText(p.AddOn, sc.group != nil)}
	}
	props.AddOns, props.NotEnough = addOns, st.notEnough
	props.Notice = purchaseNotice(p, today)
	props.Cards = seats.Cards{AddOn: p.AddOn, Trial: p.Trial, StartDate: "Not available", EndDate: seats.DateText(&p.ExpiresOn),
		Assigned: assigned, Purchased: int64(p.Quantity), AddSeatsHref: sc.addSeatsHref(c, p), PurchaseHref: sc.billingPath}
	if p.StartedAt != nil {
		props.Cards.StartDate = seats.DateText(p.StartedAt)
	}
	if !bulk {
		props.Cards.AssignHref, props.Cards.ConfigHref = sc.keepAddOn(sc.bulkPath), sc.configPath
	}
	filters := sc.withAddOn(req.query(false))
	selected := map[int64]bool{}
	for _, id := range st.selected {
		selected[id] = true
	}
	userHref, err := s.seatUserHref(c, sc, list.Items)
	if err != nil {
		return err
	}
	props.Table = seats.Table{AddOnTitle: p.AddOn.Title(), Rows: list.Items, Total: list.Total, Filter: req.view,
		Pager: components.Pager{Path: path, Query: filters, Page: list.Page, TotalPages: list.TotalPages(), Total: list.Total},
		Path:  path, AssignAction: sc.keepAddOn(sc.assignPath()), ReturnTo: withQuery(path, sc.withAddOn(req.query(true))),
		Bulk: bulk, BulkAction: sc.keepAddOn(sc.bulkPost()), Page: list.Page, CSVHref: withQuery(sc.csvPath(), filters),
		CanAssign: p.ActiveOn(today), ShowInvite: sc.group != nil, AddOn: string(sc.addOn),
		Selected: selected, SelectAll: st.selectAll, UserHref: userHref}
	if bulk {
		props.Table.HistoryHref = sc.keepAddOn(sc.historyPath())
		props.Tabs = sc.tabs("seats")
	}
	return render(c, st.status, seats.Page(s.seatChrome(c, sc, title, crumbs), props))
}

// bulkTitle: on GitLab.com the table is a tab of the group's Usage Quotas,
// so the heading says what the breadcrumb says.
func bulkTitle(sc seatScope) string {
	if sc.group != nil {
		return "Usage Quotas"
	}
	return "Seat utilization"
}

// seatUserHref links a seat holder to their GitLab Duo page: the Admin
// area's for administrators and auditors, else (a GitLab.com owner) their
// member page in the group, for direct members (one query for the page).
func (s *Server) seatUserHref(c echo.Context, sc seatScope, rows []models.SeatRow) (func(id int64, username string) string, error) {
	if v := viewer(c); v.Admin || v.Auditor {
		return func(_ int64, username string) string {
			return "/admin/users/" + url.PathEscape(username) + "/gitlab_duo"
		}, nil
	}
	if sc.group == nil {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	members, err := s.store.GroupMemberIDs(c.Request().Context(), sc.group, ids)
	if err != nil {
		return nil, err
	}
	base := "/groups/" + sc.group.FullPath + "/-/group_members/"
	return func(id int64, _ string) string {
		if m, ok := members[id]; ok {
			return base + strconv.FormatInt(m, 10) + "/gitlab_duo"
		}
		return ""
	}, nil
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
		p.Heading, title, crumbs = bulkTitle(sc), bulkTitle(sc), sc.bulkCrumbs
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

// seatAlert is GitLab's alert for a failed assignment of a seat of p.
func seatAlert(code string, p *models.AddOnPurchase, addSeats string) layouts.Flash {
	switch code {
	case models.PurchaseNotActive:
		return layouts.Flash{Kind: "danger", Title: "Error assigning GitLab Duo add-on",
			Text: "The " + p.AddOn.Title() + " subscription is not active, so no seats can be assigned."}
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
