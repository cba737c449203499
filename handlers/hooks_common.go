package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/webhooks"
)

// hooksScope is whose webhooks a request is about: the admin area's system
// hooks (namespaceID nil) or a top-level group's. The admin and group
// screens are the same screens over it.
type hooksScope struct {
	namespaceID *int64
	view        webhooks.Scope
	nav         *layouts.Nav
	crumbs      []layouts.Crumb
}

func (s *Server) hooksChrome(c echo.Context, hs hooksScope, title string, extra ...layouts.Crumb) layouts.Chrome {
	ch := s.chrome(c, title)
	ch.Nav = hs.nav
	ch.Breadcrumbs = append(append(hs.crumbs[:len(hs.crumbs):len(hs.crumbs)], layouts.Crumb{Text: hs.view.Title, Href: hs.view.Base}), extra...)
	return ch
}

// hookOf loads :id among the scope's hooks; another scope's hook, or none,
// is a 404.
func (s *Server) hookOf(c echo.Context, hs hooksScope) (*models.WebHook, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, errNotFound
	}
	return s.store.WebHook(c.Request().Context(), hs.namespaceID, id)
}

func (s *Server) showHooks(c echo.Context, hs hooksScope, status int, url string, errs models.FieldErrors) error {
	hooks, err := s.store.WebHooks(c.Request().Context(), hs.namespaceID)
	if err != nil {
		return err
	}
	ch := s.hooksChrome(c, hs, hs.view.Title)
	return render(c, status, webhooks.Index(ch, webhooks.IndexProps{Scope: hs.view, Hooks: hooks, URL: url, Errs: errs}))
}

func (s *Server) createHook(c echo.Context, hs hooksScope) error {
	in := models.WebHookInput{URL: c.FormValue("hook[url]"), Token: c.FormValue("hook[token]")}
	_, err := s.store.CreateWebHook(c.Request().Context(), models.ActorFor(viewer(c)), hs.namespaceID, in)
	var errs models.FieldErrors
	if errors.As(err, &errs) {
		return s.showHooks(c, hs, http.StatusUnprocessableEntity, in.URL, errs)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, hs.view.Base, "success", "Webhook was created.")
}

func (s *Server) editHook(c echo.Context, hs hooksScope) error {
	h, err := s.hookOf(c, hs)
	if err != nil {
		return err
	}
	logs, err := s.store.WebHookLogs(c.Request().Context(), h.ID, models.Page{Number: pageParam(c.QueryParam("page"))})
	if err != nil {
		return err
	}
	ch := s.hooksChrome(c, hs, "Edit "+hs.view.Kind, layouts.Crumb{Text: h.DisplayURL()})
	return ok(c, webhooks.Edit(ch, webhooks.EditProps{Scope: hs.view, Hook: h, Logs: logs}))
}

// testHook sends a test event now and says how it went, as GitLab's Test
// button does; the attempt joins the Recent events.
func (s *Server) testHook(c echo.Context, hs hooksScope) error {
	h, err := s.hookOf(c, hs)
	if err != nil {
		return err
	}
	lg, err := s.store.TestWebHook(c.Request().Context(), models.NewWebHookClient(), h)
	if err != nil {
		return err
	}
	back := hs.view.Base + "/" + strconv.FormatInt(h.ID, 10) + "/edit"
	if lg.Succeeded() {
		return s.redirectWithFlash(c, back, "success", "Hook executed successfully: HTTP "+strconv.Itoa(lg.StatusCode))
	}
	return s.redirectWithFlash(c, back, "danger", "Hook execution failed: "+lg.Error)
}

func (s *Server) confirmDeleteHook(c echo.Context, hs hooksScope) error {
	h, err := s.hookOf(c, hs)
	if err != nil {
		return err
	}
	ch := s.hooksChrome(c, hs, "Delete "+hs.view.Kind, layouts.Crumb{Text: h.DisplayURL()})
	return ok(c, webhooks.Delete(ch, webhooks.DeleteProps{Scope: hs.view, Hook: h}))
}

// deleteHook needs the confirmation page's confirm=1: a bare POST shows
// the confirmation again.
func (s *Server) deleteHook(c echo.Context, hs hooksScope) error {
	h, err := s.hookOf(c, hs)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" {
		return s.confirmDeleteHook(c, hs)
	}
	if err := s.store.DeleteWebHook(c.Request().Context(), models.ActorFor(viewer(c)), hs.namespaceID, h.ID); err != nil {
		return err
	}
	return s.redirectWithFlash(c, hs.view.Base, "success", "Webhook was deleted.")
}
