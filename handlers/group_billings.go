package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/subscriptions"
)

// billingGroup: GitLab.com bills top-level groups only.
func (s *Server) billingGroup(c echo.Context) (*models.Group, error) {
	g := currentGroup(c)
	if s.deployment != models.GitLabCom || !g.TopLevel() {
		return nil, errNotFound
	}
	return g, nil
}

func groupBillingsPath(g *models.Group) string { return "/groups/" + g.FullPath + "/-/billings" }

// GET /groups/:path/-/billings
func (s *Server) getGroupBillings(c echo.Context) error {
	g, err := s.billingGroup(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	sub, err := s.subscriptionOrNil(ctx, &g.ID)
	if err != nil {
		return err
	}
	rows, err := s.purchaseRows(ctx, &g.ID)
	if err != nil {
		return err
	}
	trials, err := s.trialOffers(ctx, &g.ID, groupBillingsPath(g)+"/trials")
	if err != nil {
		return err
	}
	ancestors, err := s.store.Ancestors(ctx, g)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "Billing")
	ch.Nav = s.groupNav(g, "Billing")
	ch.Breadcrumbs = append(groupCrumbs(ancestors, g), layouts.Crumb{Text: "Billing"})
	return ok(c, subscriptions.Billing(ch, subscriptions.BillingProps{Group: g, Sub: sub, Purchases: rows, Trials: trials,
		SeatsHref: "/groups/" + g.FullPath + "/-/usage_quotas/gitlab_duo"}))
}

// POST /groups/:path/-/billings/trials (add_on=duo_pro|duo_enterprise).
// Only an Owner of the group starts its trial (an admin who is not one
// cannot), because the starter takes the first seat.
func (s *Server) postGroupBillingsTrials(c echo.Context) error {
	g, err := s.billingGroup(c)
	if err != nil {
		return err
	}
	owns, err := s.store.OwnsGroup(c.Request().Context(), viewer(c).ID, g)
	if err != nil {
		return err
	}
	if !owns {
		return s.redirectWithFlash(c, groupBillingsPath(g), "danger", "Only an Owner of "+g.Name+" can start its GitLab Duo trial.")
	}
	return s.startTrial(c, &g.ID, groupBillingsPath(g))
}
