package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
	"duoadmin/views/pages/webhooks"
)

// The admin area's system hooks (GitLab's /admin/hooks): every purchase's
// seat events, on self-managed and on GitLab.com.
func (s *Server) adminHooks() hooksScope {
	return hooksScope{
		view:   webhooks.Scope{Base: "/admin/hooks", Title: "System hooks", Kind: "system hook"},
		nav:    s.adminNav("System hooks"),
		crumbs: []layouts.Crumb{{Text: "Admin area", Href: "/admin"}},
	}
}

// GET /admin/hooks
func (s *Server) getAdminHooks(c echo.Context) error {
	return s.showHooks(c, s.adminHooks(), http.StatusOK, "", nil)
}

// POST /admin/hooks
func (s *Server) postAdminHooks(c echo.Context) error { return s.createHook(c, s.adminHooks()) }

// GET /admin/hooks/:id/edit
func (s *Server) getAdminHookEdit(c echo.Context) error { return s.editHook(c, s.adminHooks()) }

// POST /admin/hooks/:id/test
func (s *Server) postAdminHookTest(c echo.Context) error { return s.testHook(c, s.adminHooks()) }

// GET /admin/hooks/:id/delete
func (s *Server) getAdminHookDelete(c echo.Context) error {
	return s.confirmDeleteHook(c, s.adminHooks())
}

// POST /admin/hooks/:id/delete
func (s *Server) postAdminHookDelete(c echo.Context) error { return s.deleteHook(c, s.adminHooks()) }
