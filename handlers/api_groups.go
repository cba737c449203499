package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// GET/PUT /api/v4/groups/:id and GET /api/v4/groups: GitLab's groups API
// with the fields GitLab's clients read and set for GitLab Duo (client-go's
// Groups.GetGroup/UpdateGroup with DuoAvailability). PUT changes only the
// GitLab Duo fields; duoadmin keeps names and paths on its screens.

type apiGroup struct {
	ID                        int64               `json:"id"`
	Name                      string              `json:"name"`
	Path                      string              `json:"path"`
	FullName                  string              `json:"full_name"`
	FullPath                  string              `json:"full_path"`
	ParentID                  *int64              `json:"parent_id"`
	WebURL                    string              `json:"web_url"`
	DuoFeaturesEnabled        *bool               `json:"duo_features_enabled,omitempty"`
	LockDuoFeaturesEnabled    *bool               `json:"lock_duo_features_enabled,omitempty"`
	DuoAvailability           models.Availability `json:"duo_availability,omitempty"`
	ExperimentFeaturesEnabled *bool               `json:"experiment_features_enabled,omitempty"`
}

// The message GitLab's API (Grape) gives a parameter outside its values.
const apiInvalidAvailability = "duo_availability does not have a valid value"

func (s *Server) groupJSON(g *models.Group) apiGroup {
	return apiGroup{ID: g.ID, Name: g.Name, Path: g.Path, FullName: g.Name, FullPath: g.FullPath, ParentID: g.ParentID,
		WebURL: s.baseURL + "/groups/" + g.FullPath}
}

// groupDuoJSON adds the GitLab Duo fields: the effective value, the
// group's own lock, and the three-way option as GitLab reads it back (a
// lock here or above is never_on).
func (s *Server) groupWithDuoJSON(c echo.Context, g *models.Group) error {
	st, err := s.store.GroupDuo(c.Request().Context(), g)
	if err != nil {
		return err
	}
	out := s.groupJSON(g)
	out.DuoFeaturesEnabled = apiPtr(st.Resolution.Enabled)
	out.LockDuoFeaturesEnabled = apiPtr(g.LockDuoFeaturesEnabled)
	out.DuoAvailability = st.Resolution.Availability()
	out.ExperimentFeaturesEnabled = apiPtr(g.ExperimentFeaturesEnabled)
	return c.JSON(http.StatusOK, out)
}

// GET /api/v4/groups/:id
func (s *Server) getAPIGroup(c echo.Context) error {
	return s.groupWithDuoJSON(c, currentGroup(c))
}

// PUT /api/v4/groups/:id: duo_availability (always_on where GitLab offers
// it: a top-level group on GitLab.com; default_on, default_off, never_on),
// or duo_features_enabled
// and/or lock_duo_features_enabled, under the cascade and lock rules of
// the group screens; a change cascades at once (no confirmation step).
func (s *Server) putAPIGroup(c echo.Context) error {
	g := currentGroup(c)
	params, err := apiParams(c)
	if err != nil {
		return err
	}
	change, any, err := apiDuoChange(params)
	if err != nil {
		return err
	}
	if any {
		if err := alwaysOnRefused(s.deployment, g, change); err != nil {
			return apiValidationError(c, err)
		}
		_, err = s.store.UpdateGroupDuo(c.Request().Context(), models.ActorFor(viewer(c)), g, change, nil)
		if err != nil {
			return apiValidationError(c, err)
		}
	}
	return s.groupWithDuoJSON(c, g)
}

// alwaysOnRefused refuses a change that leaves g on and locked (Always on)
// where GitLab does not offer that option (models.AlwaysOnOffered), as
// the screens do.
func alwaysOnRefused(d models.Deployment, g *models.Group, ch models.DuoChange) error {
	enabled, locked := g.DuoFeaturesEnabled != nil && *g.DuoFeaturesEnabled, g.LockDuoFeaturesEnabled
	if ch.SetEnabled {
		enabled = ch.Enabled != nil && *ch.Enabled
	}
	if ch.Lock != nil {
		locked = *ch.Lock
	}
	if enabled && locked && !models.AlwaysOnOffered(d, g) {
		return models.ErrAlwaysOnNotOffered
	}
	return nil
}

// apiDuoChange reads the GitLab Duo parameters of a PUT; any is false
// when none was sent.
func apiDuoChange(params map[string]json.RawMessage) (models.DuoChange, bool, error) {
	var ch models.DuoChange
	if raw, ok := params["duo_availability"]; ok {
		var v string
		_ = json.Unmarshal(raw, &v)
		a, err := models.ParseAvailability(v)
		if err != nil {
			return ch, false, apiFail(http.StatusBadRequest, apiInvalidAvailability)
		}
		return models.ChangeFor(a), true, nil
	}
	enabled, hasEnabled, err := apiBool(params, "duo_features_enabled")
	if err != nil {
		return ch, false, err
	}
	lock, hasLock, err := apiBool(params, "lock_duo_features_enabled")
	if err != nil {
		return ch, false, err
	}
	if hasEnabled {
		ch.SetEnabled, ch.Enabled = true, &enabled
	}
	if hasLock {
		ch.Lock = &lock
	}
	return ch, hasEnabled || hasLock, nil
}

// apiBool reads a boolean parameter, as JSON or as a form's "true"/"false".
func apiBool(params map[string]json.RawMessage, name string) (v, ok bool, err error) {
	raw, ok := params[name]
	if !ok {
		return false, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, false, apiFail(http.StatusBadRequest, name+" is invalid")
	}
	return v, true, nil
}

// apiValidationError answers a rule the change breaks as GitLab's API
// does: 400 with the attribute's messages.
func apiValidationError(c echo.Context, err error) error {
	var fe models.FieldErrors
	if !errors.Is(err, models.ErrLockedByAncestor) && !isDuoRuleError(err) && !errors.As(err, &fe) {
		return err
	}
	return c.JSON(http.StatusBadRequest, map[string]any{"message": map[string][]string{"duo_features_enabled": {err.Error()}}})
}

// GET /api/v4/groups?search=: every group for admins and auditors, the
// groups one owns for others, with GitLab's pagination headers. The list
// leaves out the GitLab Duo fields (GitLab shows them only to those who
// administer each group); GET /groups/:id has them.
func (s *Server) getAPIGroups(c echo.Context) error {
	ctx := c.Request().Context()
	page, perPage, err := apiPage(c)
	if err != nil {
		return err
	}
	search := strings.TrimSpace(c.QueryParam("search"))
	v := viewer(c)
	f := models.GroupFilter{Search: search}
	if !v.Admin && !v.Auditor {
		f.OwnedBy = v.ID
	}
	res, err := s.store.ListGroups(ctx, f, models.Page{Number: page, PerPage: perPage})
	if err != nil {
		return err
	}
	out := make([]apiGroup, len(res.Items))
	for i := range res.Items {
		out[i] = s.groupJSON(&res.Items[i])
	}
	setPaginationHeaders(c, res.Page, res.PerPage, res.Total)
	return c.JSON(http.StatusOK, out)
}
