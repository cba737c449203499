package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/assignmentrules"
)

// Settings > GitLab Duo > Assignment rules: self-managed at
// /admin/gitlab_duo/assignment_rules, GitLab.com at
// /groups/:path/-/settings/gitlab_duo/assignment_rules. The screens are
// shared; a ruleScope says which purchase and where. Every change is
// previewed first: the form posts to …/preview, which shows the diff with
// a confirm button that posts the same values to the change itself.

const adminRulesPath = adminSeatsPath + "/assignment_rules"

type ruleScope struct {
	base   string
	seats  seatScope
	crumbs []layouts.Crumb
}

func (s *Server) adminRuleScope(c echo.Context) (ruleScope, error) {
	sc, err := s.adminSeatScope(c)
	return ruleScope{base: adminRulesPath, seats: sc,
		crumbs: append(sc.listCrumbs[:len(sc.listCrumbs):len(sc.listCrumbs)], layouts.Crumb{Text: "Assignment rules", Href: adminRulesPath})}, err
}

func (s *Server) groupRuleScope(c echo.Context) (ruleScope, error) {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return ruleScope{}, err
	}
	base := sc.listPath + "/assignment_rules"
	crumbs := append(sc.listCrumbs[:len(sc.listCrumbs)-1:len(sc.listCrumbs)-1],
		layouts.Crumb{Text: "GitLab Duo", Href: sc.listPath}, layouts.Crumb{Text: "Assignment rules", Href: base})
	return ruleScope{base: base, seats: sc, crumbs: crumbs}, nil
}

// ruleHandler is a screen of the rules of one purchase.
type ruleHandler func(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error

// ruleRoutes are the screens, by method and path below the scope's base.
func (s *Server) ruleRoutes() []struct {
	method, suffix string
	h              ruleHandler
} {
	get, post := http.MethodGet, http.MethodPost
	return []struct {
		method, suffix string
		h              ruleHandler
	}{
		{get, "", s.getAssignmentRules},
		{get, "/new", s.getAssignmentRuleNew},
		{post, "/preview", s.postAssignmentRulePreview},
		{post, "", s.postAssignmentRules},
		{get, "/sync", s.getAssignmentRulesSync},
		{post, "/sync", s.postAssignmentRulesSync},
		{post, "/guard", s.postAssignmentRulesGuard},
		{get, "/:id/edit", s.getAssignmentRuleEdit},
		{post, "/:id/preview", s.postAssignmentRulePreview},
		{post, "/:id", s.postAssignmentRule},
		{get, "/:id/delete", s.getAssignmentRuleDelete},
		{post, "/:id/delete", s.postAssignmentRuleDelete},
		{post, "/runs/:id/approve", s.postAssignmentRulesRunApprove},
		{post, "/runs/:id/discard", s.postAssignmentRulesRunDiscard},
	}
}

// inRuleScope finds the scope and its purchase before h; the screens
// other than the list need a purchase.
func (s *Server) inRuleScope(scopeOf func(echo.Context) (ruleScope, error), list bool, h ruleHandler) echo.HandlerFunc {
	return func(c echo.Context) error {
		rs, err := scopeOf(c)
		if err != nil {
			return err
		}
		p, err := s.seatPurchase(c, rs.seats)
		if err != nil {
			return err
		}
		if p == nil && !list {
			return errNotFound
		}
		return h(c, rs, p)
	}
}

func (s *Server) ruleChrome(c echo.Context, rs ruleScope, title string) layouts.Chrome {
	return s.seatChrome(c, rs.seats, title, rs.crumbs)
}

// GET …/assignment_rules: the rules, the held runs and the guard's limits.
func (s *Server) getAssignmentRules(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	return s.renderRuleList(c, rs, p, http.StatusOK, nil, nil)
}

func (s *Server) renderRuleList(c echo.Context, rs ruleScope, p *models.AddOnPurchase, status int, guard *models.RemovalGuard, errs models.FieldErrors) error {
	ctx := c.Request().Context()
	props := assignmentrules.ListProps{Base: rs.base, Purchase: p, SeatsPath: rs.seats.listPath, GuardErrs: errs,
		SelfManaged: s.deployment == models.SelfManaged}
	if p != nil {
		var err error
		if props.Rules, err = s.store.AssignmentRules(ctx, p.ID); err != nil {
			return err
		}
		if props.Assigned, err = s.store.AssignedCount(ctx, p.ID); err != nil {
			return err
		}
		runs, err := s.store.HeldRuns(ctx, p.ID)
		if err != nil {
			return err
		}
		for _, r := range runs {
			d, err := r.ParsedDiff()
			if err != nil {
				return err
			}
			props.Held = append(props.Held, assignmentrules.HeldRun{Run: r, Diff: d})
		}
		if guard != nil {
			props.Guard = *guard
		} else if props.Guard, err = s.store.RemovalGuardOf(ctx, p.ID); err != nil {
			return err
		}
	}
	return render(c, status, assignmentrules.List(s.ruleChrome(c, rs, "Assignment rules"), props))
}

func ruleInputFrom(c echo.Context) models.RuleInput {
	return models.RuleInput{SourceKind: c.FormValue("source_kind"), Source: c.FormValue("source"),
		MinAccessLevel: c.FormValue("min_access_level"), Mode: c.FormValue("mode"), Excluded: c.FormValue("excluded")}
}

// ruleFromPath is the rule :id names, of this purchase only.
func (s *Server) ruleFromPath(c echo.Context, p *models.AddOnPurchase) (*models.AssignmentRule, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, errNotFound
	}
	return s.store.AssignmentRule(c.Request().Context(), p.ID, id)
}

func (s *Server) renderRuleForm(c echo.Context, rs ruleScope, status int, ruleID int64, in models.RuleInput, count *int, errs models.FieldErrors) error {
	title := "New assignment rule"
	action := rs.base + "/preview"
	if ruleID != 0 {
		title, action = "Edit assignment rule", fmt.Sprintf("%s/%d/preview", rs.base, ruleID)
	}
	return render(c, status, assignmentrules.Form(s.ruleChrome(c, rs, title), assignmentrules.FormProps{Title: title, Base: rs.base,
		Action: action, Values: in, Count: count, Errs: errs, SelfManaged: s.deployment == models.SelfManaged}))
}

// GET …/assignment_rules/new
func (s *Server) getAssignmentRuleNew(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	in := models.RuleInput{SourceKind: models.RuleSourceGroup, MinAccessLevel: "developer", Mode: models.RuleModeAssign}
	if rs.seats.group != nil {
		in.Source = rs.seats.group.FullPath
	}
	return s.renderRuleForm(c, rs, http.StatusOK, 0, in, nil, nil)
}

// GET …/assignment_rules/:id/edit
func (s *Server) getAssignmentRuleEdit(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	r, err := s.ruleFromPath(c, p)
	if err != nil {
		return err
	}
	return s.renderRuleForm(c, rs, http.StatusOK, r.ID, models.RuleInputOf(r), nil, nil)
}

// POST …/assignment_rules/preview and …/:id/preview: "Count" answers the
// form again with the number of users the rule matches; otherwise the
// diff the change would make, to confirm.
func (s *Server) postAssignmentRulePreview(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	ctx := c.Request().Context()
	in := ruleInputFrom(c)
	ch := models.RuleChange{Op: models.RuleCreate, Input: in}
	confirm := rs.base
	if c.Param("id") != "" {
		r, err := s.ruleFromPath(c, p)
		if err != nil {
			return err
		}
		ch.Op, ch.RuleID, confirm = models.RuleUpdate, r.ID, fmt.Sprintf("%s/%d", rs.base, r.ID)
	}
	if c.FormValue("action") == "count" {
		n, err := s.store.CountRuleMatches(ctx, p.ID, in)
		if fe, bad := formErrors(err); bad {
			return s.renderRuleForm(c, rs, http.StatusUnprocessableEntity, ch.RuleID, in, nil, fe)
		} else if err != nil {
			return err
		}
		return s.renderRuleForm(c, rs, http.StatusOK, ch.RuleID, in, &n, nil)
	}
	d, err := s.store.PreviewRuleChange(ctx, models.ActorFor(viewer(c)), p.ID, ch)
	if fe, bad := formErrors(err); bad {
		return s.renderRuleForm(c, rs, http.StatusUnprocessableEntity, ch.RuleID, in, nil, fe)
	} else if err != nil {
		return err
	}
	return ok(c, assignmentrules.Diff(s.ruleChrome(c, rs, "Review the changes"), assignmentrules.DiffProps{Base: rs.base,
		Title: "Review the changes", Diff: d, Action: confirm, Confirm: "Save rule and apply", Values: in}))
}

// formErrors tells bad input (the form again, 422) from failures. A
// Message (a directory that did not answer the count) reads as the
// source's error.
func formErrors(err error) (models.FieldErrors, bool) {
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return fe, true
	}
	var m models.Message
	if errors.As(err, &m) {
		return models.FieldErrors{"source": m.Error()}, true
	}
	return nil, false
}

// POST …/assignment_rules (confirmed create) and …/:id (confirmed update).
func (s *Server) postAssignmentRules(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	return s.changeRule(c, rs, p, models.RuleChange{Op: models.RuleCreate, Input: ruleInputFrom(c)})
}

func (s *Server) postAssignmentRule(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	r, err := s.ruleFromPath(c, p)
	if err != nil {
		return err
	}
	return s.changeRule(c, rs, p, models.RuleChange{Op: models.RuleUpdate, RuleID: r.ID, Input: ruleInputFrom(c)})
}

// POST …/assignment_rules/:id/delete (confirmed).
func (s *Server) postAssignmentRuleDelete(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	r, err := s.ruleFromPath(c, p)
	if err != nil {
		return err
	}
	return s.changeRule(c, rs, p, models.RuleChange{Op: models.RuleDelete, RuleID: r.ID})
}

// changeRule applies a change a person previewed (so it is not guarded).
func (s *Server) changeRule(c echo.Context, rs ruleScope, p *models.AddOnPurchase, ch models.RuleChange) error {
	res, err := s.store.ChangeRule(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, ch, false)
	if fe, bad := formErrors(err); bad {
		return s.renderRuleForm(c, rs, http.StatusUnprocessableEntity, ch.RuleID, ch.Input, nil, fe)
	} else if err != nil {
		return err
	}
	what := map[string]string{models.RuleCreate: "The rule was added.", models.RuleUpdate: "The rule was saved.",
		models.RuleDelete: "The rule was deleted."}[ch.Op]
	return s.redirectWithFlash(c, rs.base, "success", what+" "+assignmentrules.DiffSummary(res.Diff))
}

// GET …/assignment_rules/:id/delete: what deleting the rule would do.
func (s *Server) getAssignmentRuleDelete(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	r, err := s.ruleFromPath(c, p)
	if err != nil {
		return err
	}
	d, err := s.store.PreviewRuleChange(c.Request().Context(), models.ActorFor(viewer(c)), p.ID,
		models.RuleChange{Op: models.RuleDelete, RuleID: r.ID})
	if err != nil {
		return err
	}
	return ok(c, assignmentrules.Diff(s.ruleChrome(c, rs, "Delete rule"), assignmentrules.DiffProps{Base: rs.base,
		Title: "Delete rule: " + r.Summary(), Diff: d, Action: fmt.Sprintf("%s/%d/delete", rs.base, r.ID), Confirm: "Delete rule", Danger: true}))
}

// GET …/assignment_rules/sync: Sync now, previewed.
func (s *Server) getAssignmentRulesSync(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	d, err := s.store.PreviewRuleSync(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	return ok(c, assignmentrules.Diff(s.ruleChrome(c, rs, "Sync now"), assignmentrules.DiffProps{Base: rs.base,
		Title: "Sync now", Diff: d, Action: rs.base + "/sync", Confirm: "Apply"}))
}

// POST …/assignment_rules/sync: a person saw the diff; it is applied.
func (s *Server) postAssignmentRulesSync(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	res, err := s.store.SyncRules(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, models.TriggerSyncNow, false)
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, rs.base, "success", "Synced. "+assignmentrules.DiffSummary(res.Diff))
}

// POST …/assignment_rules/guard: the mass-removal limits.
func (s *Server) postAssignmentRulesGuard(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	errs := models.FieldErrors{}
	g := models.RemovalGuard{MaxPercent: formInt(errs, "max_percent", c.FormValue("max_percent")),
		MaxSeats: formInt(errs, "max_seats", c.FormValue("max_seats"))}
	if _, sent := c.Request().PostForm["window_hours"]; sent {
		g.WindowHours = formInt(errs, "window_hours", c.FormValue("window_hours"))
	} else {
		// A form without the window (an older page) keeps the purchase's.
		current, err := s.store.RemovalGuardOf(c.Request().Context(), p.ID)
		if err != nil {
			return err
		}
		g.WindowHours = current.WindowHours
	}
	if len(errs) == 0 {
		err := s.store.SetRemovalGuard(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, g)
		if fe, bad := formErrors(err); bad {
			errs = fe
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return s.renderRuleList(c, rs, p, http.StatusUnprocessableEntity, &g, errs)
	}
	return s.redirectWithFlash(c, rs.base, "success", "The limits were saved.")
}

func runIDParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, errNotFound
	}
	return id, nil
}

// POST …/assignment_rules/runs/:id/approve: applied when the re-computed
// diff removes the same seats; otherwise shown again.
func (s *Server) postAssignmentRulesRunApprove(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	id, err := runIDParam(c)
	if err != nil {
		return err
	}
	res, err := s.store.ApproveRun(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, id)
	var m models.Message
	if errors.As(err, &m) {
		return s.redirectWithFlash(c, rs.base, "danger", m.Error())
	} else if err != nil {
		return err
	}
	if !res.Applied {
		return ok(c, assignmentrules.Diff(s.ruleChrome(c, rs, "Approve held sync"), assignmentrules.DiffProps{Base: rs.base,
			Title: "Approve held sync", Diff: res.Diff, Action: c.Request().URL.Path, Confirm: "Approve", Danger: true,
			Note: "The seats this sync removes changed since it was held. Review them and approve again."}))
	}
	return s.redirectWithFlash(c, rs.base, "success", "The held sync was approved. "+assignmentrules.DiffSummary(res.Diff))
}

// POST …/assignment_rules/runs/:id/discard: nothing is removed.
func (s *Server) postAssignmentRulesRunDiscard(c echo.Context, rs ruleScope, p *models.AddOnPurchase) error {
	id, err := runIDParam(c)
	if err != nil {
		return err
	}
	err = s.store.DiscardRun(c.Request().Context(), models.ActorFor(viewer(c)), p.ID, id)
	var m models.Message
	if errors.As(err, &m) {
		return s.redirectWithFlash(c, rs.base, "danger", m.Error())
	} else if err != nil {
		return err
	}
	return s.redirectWithFlash(c, rs.base, "success", "The held sync was discarded; no seat was removed.")
}
