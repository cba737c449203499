package handlers

import (
	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/usersettings"
)

// Sidebars of the three contexts, as GitLab's super sidebar shows them.
// They are methods because some items depend on the deployment.

func (s *Server) adminNav(active string) *layouts.Nav {
	items := []layouts.NavItem{
		{Text: "Overview", Href: "/admin", Icon: "overview"},
		{Text: "Users", Href: "/admin/users", Icon: "users"},
		{Text: "Groups", Href: "/admin/groups", Icon: "group"},
	}
	// GitLab.com has no instance setting to change.
	if s.deployment != models.GitLabCom {
		items = append(items, layouts.NavItem{Text: "GitLab Duo", Href: "/admin/gitlab_duo", Icon: "tanuki-ai"},
			layouts.NavItem{Text: "Self-hosted models", Href: "/admin/ai/duo_self_hosted", Icon: "machine-learning"},
			layouts.NavItem{Text: "LDAP", Href: "/admin/gitlab_duo/ldap", Icon: "users"},
			layouts.NavItem{Text: "Subscription", Href: "/admin/subscription", Icon: "license"})
	} else {
		// GitLab.com's instance-wide, read-only GitLab Duo overview.
		items = append(items, layouts.NavItem{Text: "GitLab Duo", Href: "/admin/gitlab_duo", Icon: "tanuki-ai"})
	}
	items = append(items, layouts.NavItem{Text: "Access check", Href: "/admin/gitlab_duo/access_check", Icon: "review-checkmark"},
		layouts.NavItem{Text: "Health check", Href: "/admin/gitlab_duo/health_check", Icon: "status-health"})
	items = append(items, layouts.NavItem{Text: "Subscriptions", Href: "/admin/subscriptions", Icon: "credit-card"})
	items = append(items, layouts.NavItem{Text: "Feature flags", Href: "/admin/feature_flags", Icon: "flag"},
		layouts.NavItem{Text: "Email outbox", Href: "/admin/email_outbox", Icon: "mail"},
		layouts.NavItem{Text: "System hooks", Href: "/admin/hooks", Icon: "hook"})
	items = append(items, layouts.NavItem{Text: "Audit events", Href: "/admin/audit_events", Icon: "log"})
	return &layouts.Nav{Context: "Admin area", Title: "Admin area", Href: "/admin", Items: markActive(items, active)}
}

func (s *Server) groupNav(g *models.Group, active string) *layouts.Nav {
	base := "/groups/" + g.FullPath
	items := []layouts.NavItem{
		{Text: "Group overview", Href: base, Icon: "group"},
		{Text: "Members", Href: base + "/-/group_members", Icon: "users"},
		{Text: "Settings", Href: base + "/-/edit", Icon: "settings"},
	}
	// On GitLab.com a top-level group is where GitLab Duo seats are managed and configured.
	if s.deployment == models.GitLabCom && g.TopLevel() {
		items = append(items, layouts.NavItem{Text: "GitLab Duo", Href: base + "/-/settings/gitlab_duo", Icon: "tanuki-ai"},
			layouts.NavItem{Text: "Billing", Href: base + "/-/billings", Icon: "credit-card"},
			layouts.NavItem{Text: "Access check", Href: base + "/-/settings/gitlab_duo/access_check", Icon: "review-checkmark"},
			layouts.NavItem{Text: "Health check", Href: base + "/-/settings/gitlab_duo/health_check", Icon: "status-health"},
			layouts.NavItem{Text: "Webhooks", Href: base + "/-/hooks", Icon: "hook"})
	}
	items = append(items, layouts.NavItem{Text: "Audit events", Href: base + "/-/audit_events", Icon: "log"})
	return &layouts.Nav{Context: "Group", Title: g.Name, Href: base, Items: markActive(items, active)}
}

func (s *Server) projectNav(p *models.Project, active string) *layouts.Nav {
	base := "/" + p.FullPath
	items := []layouts.NavItem{
		{Text: "Project overview", Href: base, Icon: "project"},
		{Text: "Members", Href: base + "/-/project_members", Icon: "users"},
		{Text: "Settings", Href: base + "/edit", Icon: "settings"},
	}
	return &layouts.Nav{Context: "Project", Title: p.Name, Href: base, Items: markActive(items, active)}
}

// userSettingsNav is the sidebar of the signed-in user's own settings.
func (s *Server) userSettingsNav(active string) *layouts.Nav {
	items := []layouts.NavItem{
		{Text: "GitLab Duo", Href: "/-/profile/gitlab_duo", Icon: "tanuki-ai"},
		{Text: "Active sessions", Href: usersettings.ActiveSessionsPath, Icon: "monitor-lines"},
	}
	return &layouts.Nav{Context: "User settings", Title: "User settings", Href: "/-/profile/gitlab_duo", Items: markActive(items, active)}
}

func groupDuoConfigPath(g *models.Group) string {
	return "/groups/" + g.FullPath + "/-/settings/gitlab_duo/configuration"
}

func markActive(items []layouts.NavItem, active string) []layouts.NavItem {
	for i := range items {
		items[i].Active = items[i].Text == active
	}
	return items
}

// groupCrumbs is the breadcrumb trail of a group: each ancestor, then g.
func groupCrumbs(ancestors []models.Group, g *models.Group) []layouts.Crumb {
	var out []layouts.Crumb
	for _, a := range ancestors {
		out = append(out, layouts.Crumb{Text: a.Name, Href: "/groups/" + a.FullPath})
	}
	return append(out, layouts.Crumb{Text: g.Name, Href: "/groups/" + g.FullPath})
}
