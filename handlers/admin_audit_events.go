package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
)

func (s *Server) adminAuditPage() auditPage {
	return auditPage{
		base:      "/admin/audit_events",
		subtitle:  "Every change made on this instance, by people and by GitLab Duo automation.",
		nav:       s.adminNav("Audit events"),
		crumbs:    []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "Audit events", Href: "/admin/audit_events"}},
		userLinks: true,
		export:    "instance",
	}
}

// GET /admin/audit_events
func (s *Server) getAdminAuditEvents(c echo.Context) error {
	return s.showAuditEvents(c, s.adminAuditPage())
}

// GET /admin/audit_events/export.csv
func (s *Server) getAdminAuditEventsCSV(c echo.Context) error {
	return s.exportAuditEvents(c, s.adminAuditPage())
}
