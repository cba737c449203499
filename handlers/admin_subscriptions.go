package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/subscriptions"
)

// Provisioning: staff find a subscription by name, create orders (Add
// product → Activate), add seats and renew, as on the Customers Portal
// and in Zuora.

const adminSubscriptionsPath = "/admin/subscriptions"

func (s *Server) subscriptionsChrome(c echo.Context, title string, extra ...layouts.Crumb) layouts.Chrome {
	ch := s.chrome(c, title)
	ch.Nav = s.adminNav("Subscriptions")
	ch.Breadcrumbs = append([]layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "Subscriptions", Href: adminSubscriptionsPath}}, extra...)
	return ch
}

// GET /admin/subscriptions?search=
func (s *Server) getAdminSubscriptions(c echo.Context) error {
	today := models.Today()
	v := subscriptions.NewSubscriptionValues{Plan: string(models.PlanUltimate), StartsOn: today.String(),
		EndsOn: models.DateOf(today.AddDate(1, 0, 0)).String()}
	return s.renderSubscriptions(c, http.StatusOK, v, nil)
}

// POST /admin/subscriptions creates a subscription (and sets the plan).
func (s *Server) postAdminSubscriptions(c echo.Context) error {
	ctx := c.Request().Context()
	v := subscriptions.NewSubscriptionValues{Name: strings.TrimSpace(c.FormValue("name")), Namespace: strings.TrimSpace(c.FormValue("namespace")),
		Plan: c.FormValue("plan"), Seats: strings.TrimSpace(c.FormValue("seats")), StartsOn: c.FormValue("starts_on"), EndsOn: c.FormValue("ends_on")}
	errs := models.FieldErrors{}
	in := models.SubscriptionInput{Name: v.Name, Plan: models.Plan(v.Plan)}
	in.Seats = formInt(errs, "seats", v.Seats)
	in.StartsOn = formDate(errs, "starts_on", v.StartsOn)
	in.EndsOn = formDate(errs, "ends_on", v.EndsOn)
	if s.deployment == models.GitLabCom {
		g, err := s.store.GroupByFullPath(ctx, v.Namespace)
		switch {
		case v.Namespace == "":
			errs.Add("namespace", "can't be blank")
		case errors.Is(err, models.ErrNotFound):
			errs.Add("namespace", "no group with this path")
		case err != nil:
			return err
		default:
			in.NamespaceID = &g.ID
		}
	}
	if len(errs) > 0 {
		return s.renderSubscriptions(c, http.StatusUnprocessableEntity, v, errs)
	}
	sub, err := s.store.CreateSubscription(ctx, models.ActorFor(viewer(c)), s.deployment, in)
	if errors.As(err, &errs) {
		return s.renderSubscriptions(c, http.StatusUnprocessableEntity, v, errs)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, subscriptions.SubscriptionPath(sub.Name), "success", "Subscription "+sub.Name+" was successfully created.")
}

func (s *Server) renderSubscriptions(c echo.Context, status int, v subscriptions.NewSubscriptionValues, errs models.FieldErrors) error {
	ctx := c.Request().Context()
	search := strings.TrimSpace(c.QueryParam("search"))
	number := pageParam(c.QueryParam("page"))
	list, err := s.store.ListSubscriptions(ctx, search, models.Page{Number: number})
	if err != nil {
		return err
	}
	var ids []int64
	for _, sub := range list.Items {
		if sub.NamespaceID != nil {
			ids = append(ids, *sub.NamespaceID)
		}
	}
	paths, err := s.store.GroupPaths(ctx, ids)
	if err != nil {
		return err
	}
	var instanceSub *models.Subscription
	if s.deployment == models.SelfManaged {
		if instanceSub, err = s.subscriptionOrNil(ctx, nil); err != nil {
			return err
		}
	}
	kept := url.Values{}
	if search != "" {
		kept.Set("search", search)
	}
	ch := s.subscriptionsChrome(c, "Subscriptions")
	return render(c, status, subscriptions.Subscriptions(ch, subscriptions.SubscriptionsProps{List: list, Paths: paths, Search: search,
		Query: kept, GitLabCom: s.deployment == models.GitLabCom, Values: v, Errs: errs, InstanceSub: instanceSub}))
}

// subscriptionParam is the subscription named in the URL, or 404.
func (s *Server) subscriptionParam(c echo.Context) (*models.Subscription, error) {
	name, err := url.PathUnescape(c.Param("name"))
	if err != nil {
		return nil, errNotFound
	}
	return s.store.SubscriptionByName(c.Request().Context(), name)
}

// GET /admin/subscriptions/:name
func (s *Server) getAdminSubscriptionByName(c echo.Context) error {
	sub, err := s.subscriptionParam(c)
	if err != nil {
		return err
	}
	return s.renderSubscription(c, http.StatusOK, sub, subscriptions.SubscriptionProps{})
}

func (s *Server) renderSubscription(c echo.Context, status int, sub *models.Subscription, p subscriptions.SubscriptionProps) error {
	ctx := c.Request().Context()
	rows, err := s.purchaseRows(ctx, sub.NamespaceID)
	if err != nil {
		return err
	}
	if sub.NamespaceID != nil {
		g, err := s.store.GroupByID(ctx, *sub.NamespaceID)
		if err != nil {
			return err
		}
		p.Namespace = g.FullPath
	}
	p.Sub, p.Purchases = sub, rows
	ch := s.subscriptionsChrome(c, "Subscription "+sub.Name, layouts.Crumb{Text: sub.Name})
	return render(c, status, subscriptions.Subscription(ch, p))
}

// GET /admin/subscriptions/:name/orders/new (values may come back from
// the review step's Back link)
func (s *Server) getAdminSubscriptionOrdersNew(c echo.Context) error {
	sub, err := s.subscriptionParam(c)
	if err != nil {
		return err
	}
	v := subscriptions.OrderValues{AddOn: c.QueryParam("add_on"), Quantity: c.QueryParam("quantity"), Term: c.QueryParam("term")}
	if !models.AddOn(v.AddOn).Valid() {
		v.AddOn = string(models.AddOnDuoPro)
		if sub.Plan == models.PlanUltimate {
			v.AddOn = string(models.AddOnDuoEnterprise)
		}
	}
	if !slices.Contains(subscriptions.Terms, atoiOr(v.Term, 0)) {
		v.Term = "12"
	}
	return s.renderOrder(c, http.StatusOK, sub, subscriptions.OrderProps{Values: v})
}

func (s *Server) renderOrder(c echo.Context, status int, sub *models.Subscription, p subscriptions.OrderProps) error {
	p.Sub = sub
	ch := s.subscriptionsChrome(c, "Create order", layouts.Crumb{Text: sub.Name, Href: subscriptions.SubscriptionPath(sub.Name)},
		layouts.Crumb{Text: "Create order"})
	return render(c, status, subscriptions.Order(ch, p))
}

// POST /admin/subscriptions/:name/orders: without activate=1 it checks the
// order and shows it for review; with it, it activates the purchase.
func (s *Server) postAdminSubscriptionOrders(c echo.Context) error {
	ctx := c.Request().Context()
	sub, err := s.subscriptionParam(c)
	if err != nil {
		return err
	}
	v := subscriptions.OrderValues{AddOn: c.FormValue("add_on"), Quantity: strings.TrimSpace(c.FormValue("quantity")),
		Term: c.FormValue("term"), Confirmed: c.FormValue("confirm_selection") == "1"}
	// The form's own checks (a number, the checkbox); the order's rules
	// are the Store's.
	formErrs := models.FieldErrors{}
	qty := formInt(formErrs, "quantity", v.Quantity)
	if !v.Confirmed {
		formErrs.Add("confirm_selection", "must be checked to confirm your selection")
	}
	today := models.Today()
	in, errs, err := s.store.ValidateOrder(ctx, s.deployment, sub,
		models.Order{AddOn: models.AddOn(v.AddOn), Quantity: qty, TermMonths: atoiOr(v.Term, 0)}, today)
	if err != nil {
		return err
	}
	for field, msg := range formErrs {
		if _, taken := errs[field]; !taken {
			errs.Add(field, msg)
		}
	}
	props := subscriptions.OrderProps{Values: v, Errs: errs, StartsOn: today, ExpiresOn: in.ExpiresOn}
	if len(errs) > 0 {
		return s.renderOrder(c, http.StatusUnprocessableEntity, sub, props)
	}
	if c.FormValue("activate") != "1" {
		props.Review = true
		return s.renderOrder(c, http.StatusOK, sub, props)
	}
	p, err := s.store.CreatePurchase(ctx, models.ActorFor(viewer(c)), s.deployment, in)
	if errors.As(err, &props.Errs) {
		return s.renderOrder(c, http.StatusUnprocessableEntity, sub, props)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, subscriptions.SubscriptionPath(sub.Name), "success", p.AddOn.Title()+" was activated on "+sub.Name+".")
}

// subscriptionAndPurchase is the :name subscription and the purchase_id of
// a form, if it is one of the subscription's add-ons; else 404.
func (s *Server) subscriptionAndPurchase(c echo.Context) (*models.Subscription, *models.AddOnPurchase, error) {
	sub, err := s.subscriptionParam(c)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.subscriptionPurchase(c, sub)
	return sub, p, err
}

// subscriptionPurchase is the purchase_id of a form, if it is one of the
// subscription's add-ons; else 404.
func (s *Server) subscriptionPurchase(c echo.Context, sub *models.Subscription) (*models.AddOnPurchase, error) {
	id, err := strconv.ParseInt(c.FormValue("purchase_id"), 10, 64)
	if err != nil {
		return nil, errNotFound
	}
	p, err := s.store.PurchaseByID(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if p.NamespaceID == nil != (sub.NamespaceID == nil) || (p.NamespaceID != nil && *p.NamespaceID != *sub.NamespaceID) {
		return nil, errNotFound
	}
	return p, nil
}

// POST /admin/subscriptions/:name/add_seats (purchase_id, seats)
func (s *Server) postAdminSubscriptionAddSeats(c echo.Context) error {
	sub, p, err := s.subscriptionAndPurchase(c)
	if err != nil {
		return err
	}
	errs := models.FieldErrors{}
	more := formInt(errs, "seats", c.FormValue("seats"))
	refused := func(errs models.FieldErrors) error {
		return s.renderSubscription(c, http.StatusUnprocessableEntity, sub, subscriptions.SubscriptionProps{FormPurchaseID: p.ID,
			Form: "add_seats", Values: url.Values{"seats": {c.FormValue("seats")}}, Errs: errs})
	}
	if len(errs) > 0 {
		return refused(errs)
	}
	up, err := s.store.AddSeats(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, more)
	if errors.As(err, &errs) {
		return refused(errs)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, subscriptions.SubscriptionPath(sub.Name), "success",
		fmt.Sprintf("Added %d seats to %s: %d seats in total.", more, up.AddOn.Title(), up.Quantity))
}

// POST /admin/subscriptions/:name/renew (purchase_id, term in months or
// expires_on): a new end date on the same purchase, so its seats stay.
func (s *Server) postAdminSubscriptionRenew(c echo.Context) error {
	sub, p, err := s.subscriptionAndPurchase(c)
	if err != nil {
		return err
	}
	errs := models.FieldErrors{}
	var until models.Date
	if raw := strings.TrimSpace(c.FormValue("expires_on")); raw != "" {
		until = formDate(errs, "expires_on", raw)
	} else if months := atoiOr(c.FormValue("term"), 0); slices.Contains(subscriptions.Terms, months) {
		// A renewal continues the current term, or starts today once it has lapsed.
		from := p.ExpiresOn
		if from.Before(models.Today()) {
			from = models.Today()
		}
		until = models.DateOf(from.AddDate(0, months, 0))
	} else {
		errs.Add("term", "choose 12, 24 or 36 months")
	}
	if len(errs) == 0 && !p.ExpiresOn.Before(until) {
		errs.Add("expires_on", "must be after the current end date, "+subscriptions.FormatDate(p.ExpiresOn))
	}
	refused := func(errs models.FieldErrors) error {
		return s.renderSubscription(c, http.StatusUnprocessableEntity, sub, subscriptions.SubscriptionProps{FormPurchaseID: p.ID,
			Form: "renew", Values: url.Values{"term": {c.FormValue("term")}, "expires_on": {c.FormValue("expires_on")}}, Errs: errs})
	}
	if len(errs) > 0 {
		return refused(errs)
	}
	up, err := s.store.UpdatePurchase(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, models.PurchaseUpdate{ExpiresOn: &until})
	if errors.As(err, &errs) {
		return refused(errs)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, subscriptions.SubscriptionPath(sub.Name), "success",
		up.AddOn.Title()+" on "+sub.Name+" was renewed until "+subscriptions.FormatDate(up.ExpiresOn)+".")
}

// formInt reads a whole number of at least 1, noting a field error if not.
func formInt(errs models.FieldErrors, field, raw string) int {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 1 {
		errs.Add(field, "must be a whole number of at least 1")
		return 0
	}
	return n
}

func formDate(errs models.FieldErrors, field, raw string) models.Date {
	d, err := models.ParseDate(strings.TrimSpace(raw))
	if err != nil {
		errs.Add(field, "must be a date (YYYY-MM-DD)")
	}
	return d
}

func atoiOr(s string, fallback int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fallback
	}
	return n
}
