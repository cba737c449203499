package handlers

import (
	"github.com/labstack/echo/v4"

	"duoadmin/views/layouts"
)

// groupAuditPage: a group's owners see its hierarchy's events only (the
// rule is models.Store.scopeToGroup's).
func (s *Server) groupAuditPage(c echo.Context) (auditPage, error) {
	g := currentGroup(c)
	ancestors, err := s.store.Ancestors(c.Request().Context(), g)
	if err != nil {
		return auditPage{}, err
	}
	base := "/groups/" + g.FullPath + "/-/audit_events"
	subtitle := "Changes to " + g.Name + ", its subgroups and projects, their members and GitLab Duo seats."
	if !g.TopLevel() {
		subtitle = "Changes to " + g.Name + ", its subgroups and projects, and their members."
	}
	return auditPage{
		scope:    g,
		base:     base,
		subtitle: subtitle,
		nav:      s.groupNav(g, "Audit events"),
		crumbs:   append(groupCrumbs(ancestors, g), layouts.Crumb{Text: "Audit events", Href: base}),
		export:   exportSlug(g.FullPath),
	}, nil
}

// GET /groups/:path/-/audit_events
func (s *Server) getGroupAuditEvents(c echo.Context) error {
	ap, err := s.groupAuditPage(c)
	if err != nil {
		return err
	}
	return s.showAuditEvents(c, ap)
}

// GET /groups/:path/-/audit_events/export.csv
func (s *Server) getGroupAuditEventsCSV(c echo.Context) error {
	ap, err := s.groupAuditPage(c)
	if err != nil {
		return err
	}
	return s.exportAuditEvents(c, ap)
}
