package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// /api/v4/…/duo_settings: the GitLab Duo availability of the instance, a
// group or a project, as JSON. PUT applies at once: no confirmation step.

type apiInstanceDuo struct {
	DuoAvailability        models.Availability `json:"duo_availability"`
	DuoFeaturesEnabled     bool                `json:"duo_features_enabled"`
	LockDuoFeaturesEnabled bool                `json:"lock_duo_features_enabled"`
}

type apiGroupDuo struct {
	DuoAvailability    models.Availability `json:"duo_availability"`
	DuoFeaturesEnabled bool                `json:"duo_features_enabled"`
	Locked             bool                `json:"locked"`
	LockedBy           *string             `json:"locked_by"`
	Source             string              `json:"source"`
}

type apiProjectDuo struct {
	DuoFeaturesEnabled bool    `json:"duo_features_enabled"`
	Locked             bool    `json:"locked"`
	LockedBy           *string `json:"locked_by"`
	Source             string  `json:"source"`
}

const apiBadOption = "duo_availability " + models.ErrBadAvailability

// GET /api/v4/application/duo_settings
func (s *Server) getAPIApplicationDuoSettings(c echo.Context) error {
	return s.instanceDuoJSON(c)
}

// PUT /api/v4/application/duo_settings
func (s *Server) putAPIApplicationDuoSettings(c echo.Context) error {
	if s.deployment == models.GitLabCom {
		return apiFail(http.StatusForbidden, "GitLab Duo availability cannot be changed on GitLab.com")
	}
	a, err := apiAvailability(c)
	if err != nil {
		return err
	}
	if _, err := s.store.SetInstanceDuoAvailability(c.Request().Context(), models.ActorFor(viewer(c)), a); err != nil {
		return err
	}
	return s.instanceDuoJSON(c)
}

func (s *Server) instanceDuoJSON(c echo.Context) error {
	st, err := s.store.InstanceSettings(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiInstanceDuo{DuoAvailability: models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled),
		DuoFeaturesEnabled: st.DuoFeaturesEnabled, LockDuoFeaturesEnabled: st.LockDuoFeaturesEnabled})
}

// GET /api/v4/groups/:id/duo_settings
func (s *Server) getAPIGroupDuoSettings(c echo.Context) error {
	return s.groupDuoJSON(c, currentGroup(c))
}

// PUT /api/v4/groups/:id/duo_settings
func (s *Server) putAPIGroupDuoSettings(c echo.Context) error {
	g := currentGroup(c)
	a, err := apiAvailability(c)
	if err != nil {
		return err
	}
	if _, err := s.previewGroupDuo(c, g, a); err != nil {
		return apiRuleError(err)
	}
	_, err = s.store.SetGroupDuoAvailability(c.Request().Context(), models.ActorFor(viewer(c)), g, a)
	if err != nil {
		return apiRuleError(err)
	}
	return s.groupDuoJSON(c, g)
}

func (s *Server) groupDuoJSON(c echo.Context, g *models.Group) error {
	st, err := s.store.GroupDuo(c.Request().Context(), g)
	if err != nil {
		return err
	}
	r := st.Resolution
	return c.JSON(http.StatusOK, apiGroupDuo{DuoAvailability: r.Availability(), DuoFeaturesEnabled: r.Enabled,
		Locked: r.Locked(), LockedBy: r.APILockedBy(), Source: r.APISource()})
}

// GET /api/v4/projects/:id/duo_settings
func (s *Server) getAPIProjectDuoSettings(c echo.Context) error {
	return s.projectDuoJSON(c, currentProject(c))
}

// PUT /api/v4/projects/:id/duo_settings
func (s *Server) putAPIProjectDuoSettings(c echo.Context) error {
	p := currentProject(c)
	params, err := apiParams(c)
	if err != nil {
		return err
	}
	raw, ok := params["duo_features_enabled"]
	if !ok {
		return apiFail(http.StatusBadRequest, "duo_features_enabled is missing")
	}
	var enabled bool
	if err := json.Unmarshal(raw, &enabled); err != nil {
		return apiFail(http.StatusUnprocessableEntity, "duo_features_enabled must be true or false")
	}
	err = s.store.SetProjectDuoEnabled(c.Request().Context(), models.ActorFor(viewer(c)), p, enabled)
	if err != nil {
		return apiRuleError(err)
	}
	return s.projectDuoJSON(c, p)
}

func (s *Server) projectDuoJSON(c echo.Context, p *models.Project) error {
	st, err := s.store.ProjectDuo(c.Request().Context(), p)
	if err != nil {
		return err
	}
	r := st.Resolution
	return c.JSON(http.StatusOK, apiProjectDuo{DuoFeaturesEnabled: r.Enabled, Locked: r.Locked(),
		LockedBy: r.APILockedBy(), Source: r.APISource()})
}

// apiRuleError answers the store's rule violations with 422 and their
// text; other errors pass through.
func apiRuleError(err error) error {
	if isDuoRuleError(err) {
		return apiFail(http.StatusUnprocessableEntity, err.Error())
	}
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return apiFail(http.StatusUnprocessableEntity, fe.Error())
	}
	return err
}

// apiAvailability reads duo_availability from the request.
func apiAvailability(c echo.Context) (models.Availability, error) {
	params, err := apiParams(c)
	if err != nil {
		return "", err
	}
	raw, ok := params["duo_availability"]
	if !ok {
		return "", apiFail(http.StatusBadRequest, "duo_availability is missing")
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", apiFail(http.StatusUnprocessableEntity, apiBadOption)
	}
	a, err := models.ParseAvailability(v)
	if err != nil {
		return "", apiFail(http.StatusUnprocessableEntity, apiBadOption)
	}
	return a, nil
}

// apiFail is answered by the error handler as {"message": msg}.
func apiFail(status int, msg string) error { return echo.NewHTTPError(status, msg) }

// apiParams reads a JSON object body or, as GitLab's API also accepts,
// query and form parameters (their values become JSON strings, and
// "true"/"false" booleans). curl -d sends JSON labelled as a form, so a
// body that starts with "{" is JSON whatever its label.
func apiParams(c echo.Context) (map[string]json.RawMessage, error) {
	req := c.Request()
	body, err := io.ReadAll(req.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	if err != nil {
		return nil, apiFail(http.StatusBadRequest, "The request body could not be read")
	}
	trimmed := bytes.TrimSpace(body)
	if strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) || bytes.HasPrefix(trimmed, []byte("{")) {
		var params map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &params); err != nil || params == nil {
			return nil, apiFail(http.StatusBadRequest, "The request body must be a JSON object")
		}
		return params, nil
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	form, err := c.FormParams()
	if err != nil {
		return nil, apiFail(http.StatusBadRequest, "The request body could not be read")
	}
	params := map[string]json.RawMessage{}
	for name, vals := range form {
		if len(vals) == 0 {
			continue
		}
		v := vals[len(vals)-1]
		if v == "true" || v == "false" {
			params[name] = json.RawMessage(v)
			continue
		}
		b, _ := json.Marshal(v)
		params[name] = b
	}
	return params, nil
}
