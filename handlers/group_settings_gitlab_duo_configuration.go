package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/duo"
)

// bindDuoCore is the posted Duo Core switch: nil when absent (a disabled
// switch), so the setting stays as it is.
func bindDuoCore(c echo.Context) *bool {
	v, given := lastFormValue(c, duo.DuoCoreField)
	if !given {
		return nil
	}
	on := v == "1"
	return &on
}

// duoCoreErrors refuses turning Duo Core on without a plan that has it.
func duoCoreErrors(core *bool, plan models.Plan) models.FieldErrors {
	if core != nil && *core && !plan.Paid() {
		return models.FieldErrors{duo.DuoCoreField: "needs a Premium or Ultimate plan"}
	}
	return nil
}

// duoConfigGroup: only GitLab.com's top-level groups have this page; on
// self-managed the instance plays that part.
func (s *Server) duoConfigGroup(c echo.Context) (*models.Group, error) {
	g := currentGroup(c)
	if s.deployment != models.GitLabCom || !g.TopLevel() {
		return nil, errNotFound
	}
	return g, nil
}

// GET /groups/:path/-/settings/gitlab_duo/configuration
func (s *Server) getGroupGitlabDuoConfiguration(c echo.Context) error {
	g, err := s.duoConfigGroup(c)
	if err != nil {
		return err
	}
	return s.renderGroupDuoConfig(c, http.StatusOK, g, g.ExperimentFeaturesEnabled, nil, nil)
}

// POST /groups/:path/-/settings/gitlab_duo/configuration
func (s *Server) postGroupGitlabDuoConfiguration(c echo.Context) error {
	g, err := s.duoConfigGroup(c)
	if err != nil {
		return err
	}
	in, errs := bindDuoAvailability(c)
	// A disabled or unticked checkbox sends nothing: off.
	exp := c.FormValue("experiment_features_enabled") == "1"
	core := bindDuoCore(c)
	if cancelled(c) {
		return s.renderGroupDuoConfig(c, http.StatusOK, g, exp, nil, core)
	}
	if errs == nil {
		errs = duoCoreErrors(core, g.Plan)
	}
	if errs != nil {
		return s.renderGroupDuoConfig(c, http.StatusUnprocessableEntity, g, exp, errs, core)
	}
	path := groupDuoConfigPath(g)
	confirm, errs, err := s.changeGroupDuo(c, g, in, &exp)
	switch {
	case err != nil:
		return err
	case errs != nil:
		return s.renderGroupDuoConfig(c, http.StatusUnprocessableEntity, g, exp, errs, core)
	case confirm != nil:
		ch, err := s.groupDuoChrome(c, g, "Confirm change")
		if err != nil {
			return err
		}
		return renderDuoConfirm(c, ch, confirm, path)
	}
	// Duo Core is saved once the availability (and its confirmation) went through.
	if core != nil {
		err := s.store.SetGroupDuoCore(c.Request().Context(), models.ActorFor(viewer(c)), g, *core)
		if errors.Is(err, models.ErrDuoCoreRootOnly) {
			return s.renderGroupDuoConfig(c, http.StatusUnprocessableEntity, g, exp, models.FieldErrors{duo.DuoCoreField: err.Error()}, core)
		}
		if err != nil {
			return err
		}
	}
	return s.redirectWithFlash(c, path, "success", "Group was successfully updated.")
}

func (s *Server) groupDuoChrome(c echo.Context, g *models.Group, title string) (layouts.Chrome, error) {
	ancestors, err := s.store.Ancestors(c.Request().Context(), g)
	if err != nil {
		return layouts.Chrome{}, err
	}
	ch := s.chrome(c, title)
	ch.Nav = s.groupNav(g, "GitLab Duo")
	ch.Breadcrumbs = append(groupCrumbs(ancestors, g), layouts.Crumb{Text: "GitLab Duo", Href: groupDuoConfigPath(g)}, layouts.Crumb{Text: "Configuration"})
	return ch, nil
}

func (s *Server) renderGroupDuoConfig(c echo.Context, status int, g *models.Group, exp bool, errs models.FieldErrors, core *bool) error {
	st, err := s.store.GroupDuo(c.Request().Context(), g)
	if err != nil {
		return err
	}
	ch, err := s.groupDuoChrome(c, g, "GitLab Duo configuration")
	if err != nil {
		return err
	}
	dc := duo.DuoCoreProps{Enabled: g.DuoCoreFeaturesEnabled, Errs: errs, Unavailable: duo.DuoCoreUnavailable(g.Plan, st.Availability())}
	if core != nil {
		dc.Enabled = *core
	}
	dp, err := s.groupDuoProps(c, st, errs)
	if err != nil {
		return err
	}
	return render(c, status, duo.GroupConfiguration(ch, duo.GroupConfigurationProps{Group: g, Duo: dp,
		Experiment: exp, ExperimentUnavailable: st.Availability() == models.NeverOn, DuoCore: dc, Errs: errs,
		SaveWhenChanged: c.Request().Method == http.MethodGet}))
}
