package handlers

import (
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/health"
)

// GET /groups/:path/-/settings/gitlab_duo/health_check: GitLab.com
// top-level groups, where GitLab Duo is bought and configured.
func (s *Server) getGroupGitlabDuoHealthCheck(c echo.Context) error {
	g := currentGroup(c)
	if s.deployment != models.GitLabCom || !g.TopLevel() {
		return errNotFound
	}
	f, err := s.store.HealthFacts(c.Request().Context(), s.deployment, g, time.Now())
	if err != nil {
		return err
	}
	base := "/groups/" + g.FullPath + "/-/"
	f.SMTPConfigured = s.smtpDescription != ""
	f.Links = models.HealthLinks{Billing: base + "billings", Seats: base + "settings/gitlab_duo", Configuration: groupDuoConfigPath(g)}
	if v := viewer(c); v.Admin || v.Auditor {
		f.Links.Outbox = "/admin/email_outbox"
	}
	path := base + "settings/gitlab_duo/health_check"
	ch := s.chrome(c, "Health check · "+g.Name)
	ch.Nav = s.groupNav(g, "Health check")
	ch.Breadcrumbs = append(groupCrumbs(nil, g), layouts.Crumb{Text: "GitLab Duo", Href: base + "settings/gitlab_duo"}, layouts.Crumb{Text: "Health check"})
	return showHealthCheck(c, ch, health.Props{Path: path, Report: models.RunHealthChecks(f), ScopeText: g.FullPath})
}
