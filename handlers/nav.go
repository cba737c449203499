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
		{Text: "Dashboard", Key: "Overview", Href: "/admin", Icon: "overview", Section: "Overview"},
		{Text: "Users", Href: "/admin/users", Icon: "users", Section: "Overview"},
		{Text: "Groups", Href: "/admin/groups", Icon: "group", Section: "Overview"},
		{Text: "GitLab Duo", Href: "/admin/gitlab_duo", Icon: "tanuki-ai", Section: "GitLab Duo"},
	}
	// GitLab.com has no instance setting to change: its GitLab Duo page is
	// a read-only overview, and models, LDAP and the licence are not there.
	if s.deployment != models.GitLabCom {
		items = append(items,
			layouts.NavItem{Text: "Self-hosted models", Href: "/admin/ai/duo_self_hosted", Icon: "machine-learning", Section: "GitLab Duo"},
			layouts.NavItem{Text: "LDAP", Href: "/admin/gitlab_duo/ldap", Icon: "users", Section: "GitLab Duo"})
	}
	items = append(items,
		layouts.NavItem{Text: "Access check", Href: "/admin/gitlab_duo/access_check", Icon: "review-checkmark", Section: "GitLab Duo"},
		layouts.NavItem{Text: "Health check", Href: "/admin/gitlab_duo/health_check", Icon: "status-health", Section: "GitLab Duo"})
	if s.deployment != models.GitLabCom {
		items = append(items, layouts.NavItem{Text: "Subscription", Href: "/admin/subscription", Icon: "license"})
	}
	items = append(items,
		layouts.NavItem{Text: "Subscriptions", Href: "/admin/subscriptions", Icon: "credit-card"},
		layouts.NavItem{Text: "System hooks", Href: "/admin/hooks", Icon: "hook"},
		layouts.NavItem{Text: "Audit events", Href: "/admin/audit_events", Icon: "log", Section: "Monitoring"},
		layouts.NavItem{Text: "Email outbox", Href: "/admin/email_outbox", Icon: "mail", Section: "Monitoring"},
		layouts.NavItem{Text: "Feature flags", Href: "/admin/feature_flags", Icon: "flag", Section: "Settings"})
	return &layouts.Nav{Context: "Admin area", Title: "Admin area", Href: "/admin", Items: markActive(items, active)}
}

// groupNav follows GitLab's group sidebar: Members under Manage, Audit
// events under Secure, and General, Usage Quotas, Billing and GitLab Duo
// under Settings.
func (s *Server) groupNav(g *models.Group, active string) *layouts.Nav {
	base := "/groups/" + g.FullPath
	items := []layouts.NavItem{
		{Text: "Group overview", Href: base, Icon: "group"},
		{Text: "Members", Href: base + "/-/group_members", Icon: "users", Section: "Manage"},
		{Text: "Audit events", Href: base + "/-/audit_events", Icon: "log", Section: "Secure"},
		{Text: "General", Key: "Settings", Href: base + "/-/edit", Icon: "settings", Section: "Settings"},
	}
	// On GitLab.com a top-level group is where GitLab Duo seats are managed and configured.
	if s.deployment == models.GitLabCom && g.TopLevel() {
		items = append(items,
			layouts.NavItem{Text: "Webhooks", Href: base + "/-/hooks", Icon: "hook", Section: "Settings"},
			layouts.NavItem{Text: "GitLab Duo", Href: base + "/-/settings/gitlab_duo", Icon: "tanuki-ai", Section: "Settings"},
			layouts.NavItem{Text: "Usage Quotas", Href: base + "/-/usage_quotas/gitlab_duo", Icon: "chart", Section: "Settings"},
			layouts.NavItem{Text: "Billing", Href: base + "/-/billings", Icon: "credit-card", Section: "Settings"},
			layouts.NavItem{Text: "Access check", Href: base + "/-/settings/gitlab_duo/access_check", Icon: "review-checkmark", Section: "Settings"},
			layouts.NavItem{Text: "Health check", Href: base + "/-/settings/gitlab_duo/health_check", Icon: "status-health", Section: "Settings"})
	}
	return &layouts.Nav{Context: "Group", Title: g.Name, Href: base, Items: markActive(items, active)}
}

func (s *Server) projectNav(p *models.Project, active string) *layouts.Nav {
	base := "/" + p.FullPath
	items := []layouts.NavItem{
		{Text: "Project overview", Href: base, Icon: "project"},
		{Text: "Members", Href: base + "/-/project_members", Icon: "users", Section: "Manage"},
		{Text: "General", Key: "Settings", Href: base + "/edit", Icon: "settings", Section: "Settings"},
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

// homeNav is GitLab's "Your work" sidebar of a signed-in user's home page.
func (s *Server) homeNav(active string) *layouts.Nav {
	items := []layouts.NavItem{
		{Text: "Groups", Href: "/", Icon: "group"},
		{Text: "GitLab Duo", Href: "/-/profile/gitlab_duo", Icon: "tanuki-ai", Section: "User settings"},
		{Text: "Active sessions", Href: usersettings.ActiveSessionsPath, Icon: "monitor-lines", Section: "User settings"},
	}
	return &layouts.Nav{Context: "Your work", Title: "Your work", Href: "/", Items: markActive(items, active)}
}

func groupDuoConfigPath(g *models.Group) string {
	return "/groups/" + g.FullPath + "/-/settings/gitlab_duo/configuration"
}

func markActive(items []layouts.NavItem, active string) []layouts.NavItem {
	for i := range items {
		key := items[i].Key
		if key == "" {
			key = items[i].Text
		}
		items[i].Active = key == active
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
