package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/duo"
)

const projectDuoField = "duo_features_enabled"

// GET /:project_path/edit
func (s *Server) getProjectEdit(c echo.Context) error {
	return s.renderProjectEdit(c, http.StatusOK, nil)
}

// POST /:project_path/edit
func (s *Server) postProjectEdit(c echo.Context) error {
	p := currentProject(c)
	// The form sends a hidden "0" then the box's "1"; a locked switch sends
	// neither and stays as it is.
	if v, given := lastFormValue(c, projectDuoField); given {
		var enabled bool
		switch v {
		case "1", "true":
			enabled = true
		case "0", "false":
		default:
			return s.renderProjectEdit(c, http.StatusUnprocessableEntity, models.FieldErrors{projectDuoField: "must be 0 or 1"})
		}
		err := s.store.SetProjectDuoEnabled(c.Request().Context(), models.ActorFor(viewer(c)), p, enabled)
		if fe, ok := duoFieldErrors(err, projectDuoField); ok {
			return s.renderProjectEdit(c, http.StatusUnprocessableEntity, fe)
		}
		if err != nil {
			return err
		}
	}
	return s.redirectWithFlash(c, "/"+p.FullPath+"/edit", "success", fmt.Sprintf("Project '%s' was successfully updated.", p.Name))
}

// renderProjectEdit shows the stored value: a rejected form was refused by
// a lock, whose value is the one to show.
func (s *Server) renderProjectEdit(c echo.Context, status int, errs models.FieldErrors) error {
	p := currentProject(c)
	st, err := s.store.ProjectDuo(c.Request().Context(), p)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "General settings")
	ch.Nav = s.projectNav(p, "Settings")
	ch.Breadcrumbs = append(projectCrumbs(st.Ancestors[:len(st.Ancestors)-1], st.Group, p), layouts.Crumb{Text: "General settings"})
	props := duo.ProjectEditProps{Project: p, Enabled: st.Resolution.Enabled, Effective: duoEffective(st.Resolution),
		Lock: duoLock(st.Resolution, st.Ancestors), Errs: errs}
	return render(c, status, duo.ProjectEdit(ch, props))
}
