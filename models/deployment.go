package models

import "fmt"

// Deployment is where duoadmin runs; the two modes have different rules.
type Deployment string

const (
	SelfManaged Deployment = "self_managed"
	GitLabCom   Deployment = "gitlab_com"
)

func ParseDeployment(s string) (Deployment, error) {
	switch Deployment(s) {
	case SelfManaged, GitLabCom:
		return Deployment(s), nil
	}
	return "", fmt.Errorf("must be self_managed or gitlab_com, got %q", s)
}

func (d Deployment) Title() string {
	if d == GitLabCom {
		return "GitLab.com"
	}
	return "Self-managed"
}
