package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/subscriptions"
)

const adminSubscriptionPath = "/admin/subscription"

// The instance's subscription exists on self-managed only.
func (s *Server) selfManagedOnly() error {
	if s.deployment == models.GitLabCom {
		return errNotFound
	}
	return nil
}

// GET /admin/subscription
func (s *Server) getAdminSubscription(c echo.Context) error {
	if err := s.selfManagedOnly(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	st, err := s.store.InstanceSettings(ctx)
	if err != nil {
		return err
	}
	sub, err := s.subscriptionOrNil(ctx, nil)
	if err != nil {
		return err
	}
	rows, err := s.purchaseRows(ctx, nil)
	if err != nil {
		return err
	}
	trials, err := s.trialOffers(ctx, nil, adminSubscriptionPath+"/trials")
	if err != nil {
		return err
	}
	ch := s.chrome(c, "Subscription")
	ch.Nav = s.adminNav("Subscription")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "Subscription"}}
	return ok(c, subscriptions.AdminSubscription(ch, subscriptions.AdminSubscriptionProps{Plan: st.Plan, Sub: sub,
		Purchases: rows, Trials: trials, SeatsHref: "/admin/gitlab_duo/seat_utilization"}))
}

// POST /admin/subscription/sync re-validates each purchase against the
// current plan and subscription, records the sync, then refreshes each
// purchase's seats.
func (s *Server) postAdminSubscriptionSync(c echo.Context) error {
	if err := s.selfManagedOnly(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	actor := models.ActorFor(viewer(c))
	sub, err := s.subscriptionOrNil(ctx, nil)
	if err != nil {
		return err
	}
	if sub == nil {
		return s.redirectWithFlash(c, adminSubscriptionPath, "danger", "There is no subscription to synchronize.")
	}
	ps, err := s.store.PurchasesFor(ctx, nil)
	if err != nil {
		return err
	}
	var problems []string
	for _, p := range ps {
		problems = append(problems, s.purchaseProblems(ctx, sub, p)...)
	}
	if err := s.store.MarkSynced(ctx, actor, sub); err != nil {
		return err
	}
	for _, p := range ps {
		if err := s.store.RefreshPurchase(ctx, actor, p.ID); err != nil {
			return err
		}
	}
	if len(problems) == 0 {
		return s.redirectWithFlash(c, adminSubscriptionPath, "success", "Subscription successfully synchronized.")
	}
	s.flash(c, "success", "Subscription successfully synchronized.")
	return s.redirectWithFlash(c, adminSubscriptionPath, "warning", "Problems found: "+strings.Join(problems, " "))
}

// purchaseProblems is what a sync finds wrong with a purchase: a plan that
// no longer allows it, or more seats than the subscription has.
func (s *Server) purchaseProblems(ctx context.Context, sub *models.Subscription, p models.AddOnPurchase) []string {
	var out []string
	errs := s.store.ValidatePurchase(ctx, s.deployment, models.PurchaseInput{AddOn: p.AddOn, NamespaceID: p.NamespaceID,
		Quantity: p.Quantity, StartedAt: p.StartedAt, ExpiresOn: p.ExpiresOn, Trial: p.Trial, PurchaseXID: p.PurchaseXID})
	for _, field := range []string{"add_on", "namespace", "quantity", "expires_on", "purchase_xid"} {
		if msg, bad := errs[field]; bad {
			if field == "add_on" {
				out = append(out, msg+".")
			} else {
				out = append(out, p.AddOn.Title()+": "+strings.ReplaceAll(field, "_", " ")+" "+msg+".")
			}
		}
	}
	if p.Quantity > sub.Seats {
		out = append(out, fmt.Sprintf("%s has %d seats, more than the subscription's %d.", p.AddOn.Title(), p.Quantity, sub.Seats))
	}
	return out
}

// POST /admin/subscription/trials (add_on=duo_pro|duo_enterprise)
func (s *Server) postAdminSubscriptionTrials(c echo.Context) error {
	if err := s.selfManagedOnly(); err != nil {
		return err
	}
	return s.startTrial(c, nil, adminSubscriptionPath)
}

// startTrial starts the trial the form asks for and says how it went.
func (s *Server) startTrial(c echo.Context, namespaceID *int64, back string) error {
	v := viewer(c)
	p, err := s.store.StartTrial(c.Request().Context(), models.ActorFor(v), s.deployment,
		models.TrialRequest{AddOn: models.AddOn(c.FormValue("add_on")), NamespaceID: namespaceID, StarterID: v.ID})
	var refused *models.TrialRefused
	if errors.As(err, &refused) {
		return s.redirectWithFlash(c, back, "danger", refused.Reason)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, back, "success", trialStartedMessage(p))
}

// trialStartedMessage is GitLab's flash after a trial starts.
func trialStartedMessage(p *models.AddOnPurchase) string {
	short := strings.TrimPrefix(p.AddOn.Title(), "GitLab ")
	return "You have successfully started a " + short + " trial that will expire on " + subscriptions.FormatDate(p.ExpiresOn) +
		". To give members access to new " + p.AddOn.Title() + " features, assign them to " + p.AddOn.Title() + " seats."
}

func (s *Server) subscriptionOrNil(ctx context.Context, namespaceID *int64) (*models.Subscription, error) {
	sub, err := s.store.SubscriptionFor(ctx, namespaceID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return sub, err
}

// purchaseRows lists a namespace's (nil: the instance's) purchases with
// their assigned seats.
func (s *Server) purchaseRows(ctx context.Context, namespaceID *int64) ([]subscriptions.PurchaseRow, error) {
	ps, err := s.store.PurchasesFor(ctx, namespaceID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	counts, err := s.store.AssignedCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows := make([]subscriptions.PurchaseRow, len(ps))
	for i, p := range ps {
		rows[i] = subscriptions.PurchaseRow{Purchase: p, Assigned: counts[p.ID]}
	}
	return rows, nil
}

// trialOffers are the trials the namespace may start now.
func (s *Server) trialOffers(ctx context.Context, namespaceID *int64, action string) ([]subscriptions.TrialOffer, error) {
	var out []subscriptions.TrialOffer
	for _, a := range []models.AddOn{models.AddOnDuoPro, models.AddOnDuoEnterprise} {
		err := s.store.TrialCheck(ctx, s.deployment, a, namespaceID)
		var refused *models.TrialRefused
		switch {
		case err == nil:
			out = append(out, subscriptions.TrialOffer{AddOn: a, Action: action})
		case !errors.As(err, &refused):
			return nil, err
		}
	}
	return out, nil
}
