package handlers

import (
	"duoadmin/models"
	"duoadmin/views/layouts"
)

// Sidebars of the three contexts, as GitLab's super sidebar shows them.

func adminNav(active string) *layouts.Nav {
	items := []layouts.NavItem{
		{Text: "Overview", Href: "/admin", Icon: "overview"},
		{Text: "Users", Href: "/admin/users", Icon: "users"},
		{Text: "Groups", Href: "/admin/groups", Icon: "group"},
	}
	return &layouts.Nav{Context: "Admin area", Title: "Admin area", Href: "/admin", Items: markActive(items, active)}
}

func groupNav(g *models.Group, active string) *layouts.Nav {
	base := "/groups/" + g.FullPath
	items := []layouts.NavItem{
		{Text: "Group overview", Href: base, Icon: "group"},
		{Text: "Members", Href: base + "/-/group_members", Icon: "users"},
	}
	return &layouts.Nav{Context: "Group", Title: g.Name, Href: base, Items: markActive(items, active)}
}

func projectNav(p *models.Project, active string) *layouts.Nav {
	base := "/" + p.FullPath
	items := []layouts.NavItem{
		{Text: "Project overview", Href: base, Icon: "project"},
		{Text: "Members", Href: base + "/-/project_members", Icon: "users"},
	}
	return &layouts.Nav{Context: "Project", Title: p.Name, Href: base, Items: markActive(items, active)}
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
