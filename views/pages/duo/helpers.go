// Package duo holds the GitLab Duo availability settings screens and the
// confirmation step they share.
package duo

// Field is one posted form value, carried through the confirmation step.
type Field struct {
	Name  string
	Value string
}

const featuresDocs = "https://docs.gitlab.com/user/gitlab_duo/feature_summary/"
