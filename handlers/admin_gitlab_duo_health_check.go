package handlers

import (
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/health"
)

const adminHealthCheckPath = "/admin/gitlab_duo/health_check"

// GET /admin/gitlab_duo/health_check (?format=json downloads the report).
// Self-managed checks the instance's purchases; GitLab.com only the
// instance-wide machinery (mail, the seat refresh job).
func (s *Server) getAdminGitlabDuoHealthCheck(c echo.Context) error {
	f, err := s.store.HealthFacts(c.Request().Context(), s.deployment, nil, time.Now())
	if err != nil {
		return err
	}
	f.SMTPConfigured = s.smtpDescription != ""
	f.Links = models.HealthLinks{Outbox: "/admin/email_outbox"}
	if s.deployment != models.GitLabCom {
		f.Links.Billing, f.Links.Seats, f.Links.Configuration, f.Links.Subscription =
			adminSubscriptionPath, adminSeatsPath, adminDuoPath, adminSubscriptionPath
	}
	ch := s.chrome(c, "Health check")
	ch.Nav = s.adminNav("Health check")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}}
	if s.deployment != models.GitLabCom {
		ch.Breadcrumbs = append(ch.Breadcrumbs, layouts.Crumb{Text: "GitLab Duo", Href: adminSeatsPath})
	}
	ch.Breadcrumbs = append(ch.Breadcrumbs, layouts.Crumb{Text: "Health check"})
	scope := "this instance"
	if s.deployment == models.GitLabCom {
		scope = "this instance (group purchases are checked on each top-level group's page)"
	}
	return showHealthCheck(c, ch, health.Props{Path: adminHealthCheckPath, Report: models.RunHealthChecks(f), ScopeText: scope})
}

// showHealthCheck renders the report, or sends it as the JSON download.
func showHealthCheck(c echo.Context, ch layouts.Chrome, p health.Props) error {
	if c.QueryParam("format") == "json" {
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="health_check_report.json"`)
		return c.JSONPretty(200, p.Report, "  ")
	}
	return ok(c, health.Page(ch, p))
}
