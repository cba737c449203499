package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/duo"
)

// duoOnConfigPage: a GitLab.com top-level group sets GitLab Duo on its own
// configuration page, so its general settings only link there.
func (s *Server) duoOnConfigPage(g *models.Group) bool {
	return s.deployment == models.GitLabCom && g.TopLevel()
}

// GET /groups/:path/-/edit
func (s *Server) getGroupEdit(c echo.Context) error {
	return s.renderGroupEdit(c, http.StatusOK, currentGroup(c), nil)
}

// POST /groups/:path/-/edit
func (s *Server) postGroupEdit(c echo.Context) error {
	g := currentGroup(c)
	path := "/groups/" + g.FullPath + "/-/edit"
	if cancelled(c) {
		return s.renderGroupEdit(c, http.StatusOK, g, nil)
	}
	var in duoInput
	if !s.duoOnConfigPage(g) {
		var errs models.FieldErrors
		in, errs = bindDuoAvailability(c)
		if errs != nil {
			return s.renderGroupEdit(c, http.StatusUnprocessableEntity, g, errs)
		}
	}
	confirm, errs, err := s.changeGroupDuo(c, g, in, nil)
	switch {
	case err != nil:
		return err
	case errs != nil:
		return s.renderGroupEdit(c, http.StatusUnprocessableEntity, g, errs)
	case confirm != nil:
		ch, err := s.groupEditChrome(c, g, "Confirm change")
		if err != nil {
			return err
		}
		return renderDuoConfirm(c, ch, confirm, path)
	}
	return s.redirectWithFlash(c, path, "success", fmt.Sprintf("Group '%s' was successfully updated.", g.Name))
}

func (s *Server) groupEditChrome(c echo.Context, g *models.Group, title string) (layouts.Chrome, error) {
	ancestors, err := s.store.Ancestors(c.Request().Context(), g)
	if err != nil {
		return layouts.Chrome{}, err
	}
	ch := s.chrome(c, title)
	ch.Nav = s.groupNav(g, "Settings")
	ch.Breadcrumbs = append(groupCrumbs(ancestors, g), layouts.Crumb{Text: "General settings"})
	return ch, nil
}

func (s *Server) renderGroupEdit(c echo.Context, status int, g *models.Group, errs models.FieldErrors) error {
	return s.renderGroupEditWith(c, status, g, errs, nil, nil)
}

// renderGroupEditWith also re-renders a refused enforcement form (#21).
func (s *Server) renderGroupEditWith(c echo.Context, status int, g *models.Group, errs models.FieldErrors,
	enforce *models.DuoEnforcement, enforceErrs models.FieldErrors) error {
	st, err := s.store.GroupDuo(c.Request().Context(), g)
	if err != nil {
		return err
	}
	ch, err := s.groupEditChrome(c, g, "General settings")
	if err != nil {
		return err
	}
	dp, err := s.groupDuoProps(c, st, errs)
	if err != nil {
		return err
	}
	p := duo.GroupEditProps{Group: g, Duo: dp, Errs: errs, SaveWhenChanged: c.Request().Method == http.MethodGet}
	if p.Enforcement, err = s.enforcementProps(c, g, enforce, enforceErrs); err != nil {
		return err
	}
	if s.duoOnConfigPage(g) {
		p.ConfigureHref = groupDuoConfigPath(g)
	}
	return render(c, status, duo.GroupEdit(ch, p))
}
