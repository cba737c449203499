package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/duo"
)

const adminDuoPath = "/admin/gitlab_duo/configuration"

// GET /admin/gitlab_duo/configuration
func (s *Server) getAdminGitlabDuoConfiguration(c echo.Context) error {
	return s.renderAdminDuo(c, http.StatusOK, nil, nil, false)
}

// POST /admin/gitlab_duo/configuration
func (s *Server) postAdminGitlabDuoConfiguration(c echo.Context) error {
	// GitLab.com's instance setting is fixed: always On by default.
	if s.deployment == models.GitLabCom {
		return errForbidden
	}
	ctx := c.Request().Context()
	in, errs := bindDuoAvailability(c)
	core := bindDuoCore(c)
	ai, aiErrs := bindInstanceAI(c)
	st, err := s.store.InstanceSettings(ctx)
	if err != nil {
		return err
	}
	// Every problem of the form at once, before anything is saved.
	errs = mergeFieldErrors(errs, duoCoreErrors(core, st.Plan), aiErrs)
	if errs != nil {
		return s.renderAdminDuo(c, http.StatusUnprocessableEntity, errs, core, true)
	}
	if cancelled(c) {
		return s.renderAdminDuo(c, http.StatusOK, nil, core, true)
	}
	if in.Given {
		if c.FormValue("confirm") != "1" {
			confirm, err := s.instanceDuoConfirm(c, st, in.Value)
			if err != nil {
				return err
			}
			if confirm != nil {
				return renderDuoConfirm(c, s.adminDuoChrome(c, "Confirm change"), confirm, adminDuoPath)
			}
		}
	}
	// One transaction for the whole form: a failure in any part leaves the
	// settings as they were.
	change := models.InstanceConfiguration{DuoCore: core, AI: ai}
	if in.Given {
		change.Availability = &in.Value
	}
	err = s.store.SaveInstanceConfiguration(ctx, models.ActorFor(viewer(c)), change)
	if fe, ok := duoFieldErrors(err, duoField); ok {
		return s.renderAdminDuo(c, http.StatusUnprocessableEntity, fe, core, true)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, adminDuoPath, "success", "Application settings saved successfully.")
}

// instanceDuoConfirm is the confirmation a change of the instance needs:
// Always off always, another change when it resets groups or projects.
func (s *Server) instanceDuoConfirm(c echo.Context, st *models.InstanceSettings, a models.Availability) (*duo.ConfirmProps, error) {
	ctx := c.Request().Context()
	current := models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled)
	if a == models.NeverOn && current != models.NeverOn {
		pv, err := s.store.PreviewInstanceAlwaysOff(ctx)
		if err != nil {
			return nil, err
		}
		return alwaysOffConfirm("", pv, st.ExperimentFeaturesEnabled), nil
	}
	impact, err := s.store.PreviewInstanceDuoChange(ctx, a)
	if err != nil || !impact.Any() {
		return nil, err
	}
	return resetConfirm(impact, a, true), nil
}

func (s *Server) adminDuoChrome(c echo.Context, title string) layouts.Chrome {
	ch := s.chrome(c, title)
	ch.Nav = s.adminNav("GitLab Duo")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "GitLab Duo", Href: adminDuoPath}, {Text: "Configuration"}}
	return ch
}

// renderAdminDuo shows the form; core, when set, is the Duo Core value
// posted with a refused form, and posted shows the other posted values.
func (s *Server) renderAdminDuo(c echo.Context, status int, errs models.FieldErrors, core *bool, posted bool) error {
	st, err := s.store.InstanceSettings(c.Request().Context())
	if err != nil {
		return err
	}
	current := models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled)
	com := s.deployment == models.GitLabCom
	ch := s.adminDuoChrome(c, "GitLab Duo configuration")
	props := components.DuoAvailabilityProps{Scope: components.DuoScopeInstance, Selected: current,
		Effective: components.DuoEffective{Enabled: st.DuoFeaturesEnabled, Source: "Set here"}, Errs: errs,
		WarnTurnsOff: !com && !ch.ReadOnly && current != models.NeverOn, Options: s.duoOptions(nil)}
	if com {
		props.Effective.Source = "Set by GitLab.com"
	}
	dc := duo.DuoCoreProps{Enabled: st.DuoCoreFeaturesEnabled, Instance: true, Errs: errs,
		Unavailable: duo.DuoCoreUnavailable(st.Plan, current)}
	if core != nil {
		dc.Enabled = *core
	}
	ai := instanceAIProps(st, errs)
	ai.ReadOnly = ch.ReadOnly
	if posted {
		postedAIProps(c, &ai)
	}
	// Save waits for a change only while the form shows what is stored: a
	// form shown again with posted values has changes to save.
	return render(c, status, duo.AdminConfiguration(ch, duo.AdminConfigurationProps{Duo: props, GitLabCom: com, DuoCore: dc,
		AI: ai, Errs: errs, SaveWhenChanged: !posted}))
}
