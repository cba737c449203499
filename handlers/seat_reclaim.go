package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/reclaim"
)

// A purchase's Reclaim tab: the idle-seat reclaim policy, previewed
// before it is saved, and the notices pending. The Admin area's and a
// top-level group's differ only in their seatScope.

func reclaimFormOf(c echo.Context) models.ReclaimPolicyInput {
	return models.ReclaimPolicyInput{Enabled: c.FormValue("enabled") == "1", Idle: c.FormValue("idle_days"),
		CustomDays: c.FormValue("custom_days"), NoticeDays: c.FormValue("notice_days"),
		ExcludedUsers: c.FormValue("excluded_users"), ExcludedGroups: c.FormValue("excluded_groups")}
}

// rulesPath is where held runs, reclaim runs among them, are decided.
func (sc seatScope) rulesPath() string { return sc.listPath + "/assignment_rules" }

// renderReclaim shows the tab with form values, errors and a preview.
func (s *Server) renderReclaim(c echo.Context, sc seatScope, p *models.AddOnPurchase, status int, form models.ReclaimPolicyInput,
	errs models.FieldErrors, preview []models.ReclaimCandidate, previewed bool) error {
	page := pageParam(c.QueryParam("page"))
	notices, err := s.store.ReclaimNotices(c.Request().Context(), p.ID, models.Page{Number: page, PerPage: models.PerPageChoices[0]})
	if err != nil {
		return err
	}
	held, err := s.store.HeldReclaimRuns(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	crumbs := append(sc.bulkCrumbs[:len(sc.bulkCrumbs):len(sc.bulkCrumbs)], layouts.Crumb{Text: "Reclaim idle seats"})
	if n := len(crumbs); n >= 2 && crumbs[n-2].Href == "" {
		crumbs[n-2].Href = sc.keepAddOn(sc.bulkPath)
	}
	ch := s.seatChrome(c, sc, "Reclaim idle seats", crumbs)
	return render(c, status, reclaim.Page(ch, reclaim.Props{
		Tabs: sc.tabs("reclaim"), Action: sc.keepAddOn(sc.reclaimPath()), AddOnTitle: p.AddOn.Title(), Form: form, Errs: errs,
		Preview: preview, PreviewShown: previewed, PreviewDays: models.ReclaimPreviewDays, Notices: notices,
		NoticePager: components.Pager{Path: sc.reclaimPath(), Query: sc.withAddOn(nil), Page: notices.Page, TotalPages: notices.TotalPages(), Total: notices.Total},
		CanEdit:     !ch.ReadOnly, Held: held, RulesPath: sc.rulesPath()}))
}

// showReclaim is GET: the stored policy.
func (s *Server) showReclaim(c echo.Context, sc seatScope) error {
	p, err := s.historyPurchase(c, sc)
	if err != nil {
		return err
	}
	pol, err := s.store.ReclaimPolicyOf(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	form, err := s.store.ReclaimPolicyInputOf(c.Request().Context(), pol)
	if err != nil {
		return err
	}
	return s.renderReclaim(c, sc, p, http.StatusOK, form, nil, nil, false)
}

// postReclaim previews the form's policy (preview=1) or saves it
// (save=1): the Save button appears with a preview, so what is saved has
// been seen. Bad input re-renders the form with 422.
func (s *Server) postReclaim(c echo.Context, sc seatScope) error {
	p, err := s.historyPurchase(c, sc)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	form := reclaimFormOf(c)
	pol, err := s.store.ReclaimPolicyFrom(ctx, p, form)
	var errs models.FieldErrors
	if errors.As(err, &errs) {
		return s.renderReclaim(c, sc, p, http.StatusUnprocessableEntity, form, errs, nil, false)
	}
	if err != nil {
		return err
	}
	if c.FormValue("save") != "1" {
		preview, err := s.store.ReclaimPreview(ctx, p, pol, models.Today(), models.ReclaimPreviewDays)
		if err != nil {
			return err
		}
		return s.renderReclaim(c, sc, p, http.StatusOK, form, nil, preview, true)
	}
	if err := s.store.SaveReclaimPolicy(ctx, models.ActorFor(viewer(c)), p, pol); err != nil {
		return err
	}
	msg := "The reclaim policy was saved. It is off."
	if pol.Enabled {
		msg = "The reclaim policy was saved. Idle seats get their notice at the next daily run."
	}
	return s.redirectWithFlash(c, sc.keepAddOn(sc.reclaimPath()), "success", msg)
}
