// Package access is the access explainer (verdict and flow diagram) and the
// signed-in user's own GitLab Duo status.
package access

import (
	"duoadmin/models"
	"duoadmin/models/access"
)

// CheckForm is the explainer's query, as typed.
type CheckForm struct {
	User         string
	Feature      string
	Context      string
	ResourceKind string
	ResourcePath string
}

// CheckProps is /admin/gitlab_duo/access_check and the group variant.
type CheckProps struct {
	Action string // the page's own path: the form GETs it
	// GroupPath limits users and resources to a group (the group page).
	GroupPath string
	Form      CheckForm
	Errs      models.FieldErrors
	Result    *CheckResult
}

// CheckResult is a decision and its drawing.
type CheckResult struct {
	Decision access.Decision
	Feature  access.FeatureInfo
	Context  access.Context
	Diagram  Diagram
	APIURL   string
}

var resourceKinds = []struct{ Value, Label string }{
	{string(access.ResourceNone), "No resource (a general question)"},
	{string(access.ResourceGroup), "A group"},
	{string(access.ResourceProject), "A project"},
	{string(access.ResourceUnknownOrigin), "A repository of unknown origin (no Git remote, or another host)"},
}

// ContextTitle names where a feature is used, as the form and tables show it.
func ContextTitle(c access.Context) string {
	switch c {
	case access.ContextWebUI:
		return "Web UI"
	case access.ContextWebIDE:
		return "Web IDE"
	}
	return "IDE"
}

func subtitle(groupPath string) string {
	if groupPath != "" {
		return "Pick one of this group's members, a feature and where it is used, to see whether GitLab Duo lets them use it and why."
	}
	return "Pick a user, a feature and where it is used, to see whether GitLab Duo lets them use it and why."
}

func verdictClass(allowed bool) string {
	if allowed {
		return "gl-alert gl-alert-success gl-alert-not-dismissible verdict"
	}
	return "gl-alert gl-alert-danger gl-alert-not-dismissible verdict"
}

func verdictTitle(allowed bool) string {
	if allowed {
		return "Allowed"
	}
	return "Not allowed"
}

func tierText(t access.Tier) string {
	if t == "" {
		return "None"
	}
	return t.Title() + " (" + string(t) + ")"
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
