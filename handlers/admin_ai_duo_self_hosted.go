package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/confirm"
	"duoadmin/views/pages/selfhosted"
)

// GitLab Duo Self-Hosted (self-managed, Ultimate with Duo Enterprise): the
// self-hosted models and which model each AI-powered feature uses.

const msgSelfHostedNotAvailable = "GitLab Duo Self-Hosted is available only with an Ultimate subscription and an active GitLab Duo Enterprise add-on."

// selfHostedUnavailable stops a request the instance cannot serve: 404 on
// GitLab.com; without the license, the "Not available" page for a GET
// and, for a POST, a redirect there that changed nothing.
func (s *Server) selfHostedUnavailable(c echo.Context) (bool, error) {
	if s.deployment == models.GitLabCom {
		return true, errNotFound
	}
	available, err := s.store.SelfHostedAvailable(c.Request().Context())
	switch {
	case err != nil:
		return true, err
	case available:
		return false, nil
	case c.Request().Method == http.MethodGet:
		return true, ok(c, selfhosted.NotAvailable(s.selfHostedChrome(c, "GitLab Duo Self-Hosted")))
	}
	return true, s.redirectWithFlash(c, selfhosted.Path, "danger", msgSelfHostedNotAvailable)
}

func (s *Server) selfHostedChrome(c echo.Context, title string, extra ...layouts.Crumb) layouts.Chrome {
	ch := s.chrome(c, title)
	ch.Nav = s.adminNav("Self-hosted models")
	ch.Breadcrumbs = append([]layouts.Crumb{{Text: "Admin area", Href: "/admin"},
		{Text: "GitLab Duo Self-Hosted", Href: selfhosted.Path}}, extra...)
	return ch
}

// selfHostedModel loads :id; unknown ids are a 404.
func (s *Server) selfHostedModel(c echo.Context) (*models.SelfHostedModel, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, errNotFound
	}
	return s.store.SelfHostedModelByID(c.Request().Context(), id)
}

// GET /admin/ai/duo_self_hosted
func (s *Server) getAdminDuoSelfHosted(c echo.Context) error {
	if stop, err := s.selfHostedUnavailable(c); stop {
		return err
	}
	return s.renderSelfHostedIndex(c, http.StatusOK, nil, nil)
}

// renderSelfHostedIndex shows the models and the features form; posted,
// when set, is a refused features form's values.
func (s *Server) renderSelfHostedIndex(c echo.Context, status int, posted map[string]string, errs models.FieldErrors) error {
	ctx := c.Request().Context()
	list, err := s.store.ListSelfHostedModels(ctx, models.Page{Number: requestedPage(c)})
	if err != nil {
		return err
	}
	all, err := s.store.SelfHostedModels(ctx)
	if err != nil {
		return err
	}
	choices, err := s.store.AIFeatureChoices(ctx)
	if err != nil {
		return err
	}
	usedBy := map[int64][]string{}
	rows := make([]selfhosted.FeatureRow, len(models.AIFeatures))
	for i, f := range models.AIFeatures {
		ch := choices[f.ID]
		if ch.Provider == models.ProviderSelfHosted {
			usedBy[ch.ModelID] = append(usedBy[ch.ModelID], f.Title)
		}
		rows[i] = selfhosted.FeatureRow{Feature: f, Value: ch.FormValue()}
		if v, given := posted[f.ID]; given {
			rows[i].Value = v
		}
	}
	ch := s.selfHostedChrome(c, "GitLab Duo Self-Hosted")
	pager := components.Pager{Path: selfhosted.Path, Page: list.Page, TotalPages: list.TotalPages(), Total: list.Total}
	return render(c, status, selfhosted.Index(ch, selfhosted.IndexProps{Models: list, Pager: pager, UsedBy: usedBy,
		AllModels: all, Features: rows, Errs: errs}))
}

// GET /admin/ai/duo_self_hosted/new
func (s *Server) getAdminDuoSelfHostedNew(c echo.Context) error {
	if stop, err := s.selfHostedUnavailable(c); stop {
		return err
	}
	return s.renderModelForm(c, http.StatusOK, nil, selfhosted.FormValues{Platform: string(models.PlatformVLLM)}, nil)
}

func bindModelForm(c echo.Context) (models.SelfHostedModelInput, selfhosted.FormValues) {
	v := selfhosted.FormValues{Name: c.FormValue("name"), Platform: c.FormValue("platform"),
		ModelFamily: c.FormValue("model_family"), Endpoint: c.FormValue("endpoint"), Identifier: c.FormValue("identifier")}
	in := models.SelfHostedModelInput{Name: v.Name, Platform: models.ModelPlatform(v.Platform),
		ModelFamily: models.ModelFamily(v.ModelFamily), Endpoint: v.Endpoint, Identifier: v.Identifier,
		APIKey: c.FormValue("api_key"), ClearAPIKey: c.FormValue("clear_api_key") == "1"}
	return in, v
}

// POST /admin/ai/duo_self_hosted
func (s *Server) postAdminDuoSelfHosted(c echo.Context) error {
	if stop, err := s.selfHostedUnavailable(c); stop {
		return err
	}
	in, v := bindModelForm(c)
	_, err := s.store.CreateSelfHostedModel(c.Request().Context(), models.ActorFor(viewer(c)), in)
	var errs models.FieldErrors
	if errors.As(err, &errs) {
		return s.renderModelForm(c, http.StatusUnprocessableEntity, nil, v, errs)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, selfhosted.Path, "success", "The self-hosted model was successfully created.")
}

// GET /admin/ai/duo_self_hosted/:id/edit
func (s *Server) getAdminDuoSelfHostedEdit(c echo.Context) error {
	if stop, err := s.selfHostedUnavailable(c); stop {
		return err
	}
	m, err := s.selfHostedModel(c)
	if err != nil {
		return err
	}
	return s.renderModelForm(c, http.StatusOK, m, selfhosted.ValuesOf(m), nil)
}

// POST /admin/ai/duo_self_hosted/:id
func (s *Server) postAdminDuoSelfHostedUpdate(c echo.Context) error {
	if stop, err := s.selfHostedUnavailable(c); stop {
		return err
	}
	m, err := s.selfHostedModel(c)
	if err != nil {
		return err
	}
	in, v := bindModelForm(c)
	_, err = s.store.UpdateSelfHostedModel(c.Request().Context(), models.ActorFor(viewer(c)), m.ID, in)
	var errs models.FieldErrors
	if errors.As(err, &errs) {
		return s.renderModelForm(c, http.StatusUnprocessableEntity, m, v, errs)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, selfhosted.Path, "success", "The self-hosted model was successfully updated.")
}

// POST /admin/ai/duo_self_hosted/:id/delete
func (s *Server) postAdminDuoSelfHostedDelete(c echo.Context) error {
	if stop, err := s.selfHostedUnavailable(c); stop {
		return err
	}
	m, err := s.selfHostedModel(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" {
		return s.confirmDeleteModel(c, m)
	}
	_, err = s.store.DeleteSelfHostedModel(c.Request().Context(), models.ActorFor(viewer(c)), m.ID)
	var inUse *models.ModelInUseError
	if errors.As(err, &inUse) {
		return s.redirectWithFlash(c, selfhosted.Path, "danger", inUse.Error())
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, selfhosted.Path, "success", "Your self-hosted model was successfully deleted.")
}

func (s *Server) renderModelForm(c echo.Context, status int, m *models.SelfHostedModel, v selfhosted.FormValues, errs models.FieldErrors) error {
	title, crumb := "Add self-hosted model", layouts.Crumb{Text: "New"}
	if m != nil {
		title, crumb = "Edit self-hosted model", layouts.Crumb{Text: strings.TrimSpace(m.Name)}
	}
	ch := s.selfHostedChrome(c, title, crumb)
	return render(c, status, selfhosted.Form(ch, selfhosted.FormProps{Model: m, Values: v, Errs: errs}))
}

// confirmDeleteModel asks before deleting, naming the features that use
// the model: while any does, the deletion is refused, so the button is
// disabled and the page says what to change first.
func (s *Server) confirmDeleteModel(c echo.Context, m *models.SelfHostedModel) error {
	choices, err := s.store.AIFeatureChoices(c.Request().Context())
	if err != nil {
		return err
	}
	var usedBy []string
	for _, f := range models.AIFeatures {
		if ch := choices[f.ID]; ch.Provider == models.ProviderSelfHosted && ch.ModelID == m.ID {
			usedBy = append(usedBy, f.Title)
		}
	}
	name := strings.TrimSpace(m.Name)
	p := confirm.Props{Title: "Delete model", Submit: "Delete model", Cancel: selfhosted.Path,
		Action:  selfhosted.ModelPath(m.ID, "/delete"),
		Message: "Are you sure you want to delete the self-hosted model " + name + "? This cannot be undone."}
	if len(usedBy) > 0 {
		p.Blocked = true
		p.Details = []string{name + " is used by these GitLab Duo features. Choose another model for them before you delete it:"}
		p.Items = usedBy
	} else {
		p.Details = []string{"No GitLab Duo feature uses " + name + "."}
	}
	return ok(c, confirm.Page(s.selfHostedChrome(c, "Delete model", layouts.Crumb{Text: name}), p))
}
