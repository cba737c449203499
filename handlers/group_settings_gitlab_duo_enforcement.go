package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/pages/duo"
)

// Administrator-enforced GitLab Duo availability (#21), shown on the
// group's general settings page and posted to its own route.

// ownsRootOfSubgroup: on GitLab.com the owners of a top-level group hold
// the enforcing power over its subgroups (not over the top-level group).
func (s *Server) ownsRootOfSubgroup(ctx context.Context, v *models.User, g *models.Group) (bool, error) {
	if v == nil || s.deployment != models.GitLabCom || g.TopLevel() {
		return false, nil
	}
	root, err := s.store.GroupByID(ctx, g.RootID())
	if err != nil {
		return false, err
	}
	return s.store.OwnsGroup(ctx, v.ID, root)
}

// duoEnforcerInPath: the group of /groups/<path>/-/settings/gitlab_duo/
// enforcement, owned (for the rule) only by those who may enforce it;
// administrators may anyway, auditors read, everyone else gets a 404.
func duoEnforcerInPath(s *Server, c echo.Context) (scoped, error) {
	sc, err := groupInPath(s, c)
	if err != nil {
		return sc, err
	}
	sc.owns, err = s.ownsRootOfSubgroup(c.Request().Context(), viewer(c), currentGroup(c))
	return sc, err
}

// mayEnforce tells whether the group's page offers the enforcement form.
func (s *Server) mayEnforce(c echo.Context, g *models.Group) (bool, error) {
	v := viewer(c)
	if v != nil && v.Admin {
		return true, nil
	}
	return s.ownsRootOfSubgroup(c.Request().Context(), v, g)
}

func groupEnforcementPath(g *models.Group) string {
	return "/groups/" + g.FullPath + "/-/settings/gitlab_duo/enforcement"
}

// enforcementProps is the form for g, nil for those who may not enforce.
func (s *Server) enforcementProps(c echo.Context, g *models.Group, posted *models.DuoEnforcement, errs models.FieldErrors) (*duo.EnforcementProps, error) {
	ok, err := s.mayEnforce(c, g)
	if err != nil || !ok {
		return nil, err
	}
	p := &duo.EnforcementProps{Action: groupEnforcementPath(g), CSRF: csrfToken(c), Errs: errs}
	if posted != nil {
		p.Selected, p.Reason = posted.Availability, posted.Reason
	}
	if g.DuoEnforced() {
		by, err := s.store.DuoEnforcer(c.Request().Context(), g)
		if err != nil {
			return nil, err
		}
		p.Enforced = &components.DuoEnforced{By: by, ByAdmin: g.DuoEnforcedByAdmin, Reason: g.DuoEnforcedReason}
	}
	return p, nil
}

// POST /groups/:path/-/settings/gitlab_duo/enforcement
func (s *Server) postGroupGitlabDuoEnforcement(c echo.Context) error {
	g := currentGroup(c)
	v := viewer(c)
	in := models.DuoEnforcement{Reason: c.FormValue("reason"), ByAdmin: v.Admin, Release: c.FormValue("release") == "1"}
	if !in.Release {
		// Anything but the two locking options is the model's field error.
		in.Availability = models.Availability(strings.TrimSpace(c.FormValue(duoField)))
	}
	field := duoField
	if !in.Release && c.FormValue("cancel") == "1" {
		// Back to the form, as it was filled in; nothing changes.
		return s.renderGroupEditWith(c, http.StatusOK, g, nil, &in, nil)
	}
	if !in.Release && c.FormValue("confirm") != "1" {
		impact, err := s.store.PreviewEnforcement(c.Request().Context(), g, in)
		if fe, ok := duoFieldErrors(err, field); ok {
			return s.renderGroupEditWith(c, http.StatusUnprocessableEntity, g, nil, &in, fe)
		}
		if err != nil {
			return err
		}
		ch, err := s.groupEditChrome(c, g, "General settings")
		if err != nil {
			return err
		}
		return ok(c, duo.EnforcementConfirm(ch, duo.EnforcementConfirmProps{Action: groupEnforcementPath(g),
			Message: enforceMessage(impact), Availability: in.Availability, Reason: in.Reason}))
	}
	_, err := s.store.EnforceGroupDuo(c.Request().Context(), models.ActorFor(v), g, in)
	if in.Release {
		field = "reason" // the release form has no radios
	}
	if fe, ok := duoFieldErrors(err, field); ok {
		return s.renderGroupEditWith(c, http.StatusUnprocessableEntity, g, nil, &in, fe)
	}
	if err != nil {
		return err
	}
	msg := "GitLab Duo availability is enforced for this group and everything in it."
	if in.Release {
		msg = "The enforcement was released: the group's owners can change GitLab Duo availability again."
	}
	return s.redirectWithFlash(c, "/groups/"+g.FullPath+"/-/edit", "success", msg)
}

// enforceMessage counts what an enforcement locks below the group, naming
// only what there is.
func enforceMessage(n models.CascadeImpact) string {
	var parts []string
	if n.Subgroups > 0 {
		parts = append(parts, countOf(n.Subgroups, "subgroup"))
	}
	if n.Projects > 0 {
		parts = append(parts, countOf(n.Projects, "project"))
	}
	if len(parts) == 0 {
		return "Enforcing this setting locks this group's setting."
	}
	return "Enforcing this setting locks " + strings.Join(parts, " and ") + "."
}
