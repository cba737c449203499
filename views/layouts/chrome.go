// Package layouts is the page frame every screen renders inside: top bar,
// contextual sidebar, breadcrumbs and flash alerts, in GitLab's look.
package layouts

import "duoadmin/models"

type Flash struct {
	Kind string // success, danger, warning, info
	Text string
	// Optional: a heading above Text and one action link (e.g. "Add seats").
	Title    string
	LinkText string
	LinkHref string
}

type Crumb struct {
	Text string
	Href string
}

type NavItem struct {
	Text   string
	Href   string
	Icon   string // a @gitlab/svgs icon name
	Active bool
}

// Nav is the left sidebar of a context (Admin area, a group, a project).
type Nav struct {
	Context string // "Admin area", "Group", "Project"
	Title   string
	Href    string
	Items   []NavItem
}

// Chrome is what the frame needs from a handler.
type Chrome struct {
	Title       string
	Viewer      *models.User
	CSRF        string
	Flashes     []Flash
	Breadcrumbs []Crumb
	Nav         *Nav
	// ReadOnly is true for support auditors: every form is shown disabled.
	ReadOnly   bool
	Deployment models.Deployment
}

func (c Chrome) SignedIn() bool { return c.Viewer != nil }

func alertClass(kind string) string {
	switch kind {
	case "success", "danger", "warning", "info":
		return "gl-alert-" + kind
	}
	return "gl-alert-info"
}

func alertIcon(kind string) string {
	switch kind {
	case "success":
		return "check-circle"
	case "danger":
		return "error"
	case "warning":
		return "warning"
	}
	return "information-o"
}

func initial(name string) string {
	for _, r := range name {
		return string(r)
	}
	return "?"
}
