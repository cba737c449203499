// Package layouts is the page frame every screen renders inside: top bar,
// contextual sidebar, breadcrumbs and flash alerts, in GitLab's look.
package layouts

import (
	"github.com/a-h/templ"

	"duoadmin/models"
)

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
	Text string
	Href string
	Icon string // a @gitlab/svgs icon name
	// Section is GitLab's sidebar section the item sits in ("Manage",
	// "Settings"); empty for the items GitLab shows at the top level.
	Section string
	// Key names the item for the handlers that mark it current; empty
	// means Text.
	Key    string
	Active bool
}

// NavSection is a run of consecutive items with the same Section.
type NavSection struct {
	Title  string
	Items  []NavItem
	Active bool // one of its items is the current page: the section opens
}

// Sections groups the items as the sidebar shows them, in order.
func (n Nav) Sections() []NavSection {
	var out []NavSection
	for _, it := range n.Items {
		if len(out) == 0 || out[len(out)-1].Title != it.Section {
			out = append(out, NavSection{Title: it.Section})
		}
		last := &out[len(out)-1]
		last.Items = append(last.Items, it)
		last.Active = last.Active || it.Active
	}
	return out
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

// currentPage marks the current sidebar item as GitLab does
// (aria-current="page"; a bare aria-current would mean "false").
func currentPage(active bool) templ.Attributes {
	if active {
		return templ.Attributes{"aria-current": "page"}
	}
	return nil
}

func initial(name string) string {
	for _, r := range name {
		return string(r)
	}
	return "?"
}
