// Package duo holds the GitLab Duo settings screens of the instance, groups
// and projects: configuration, Duo Core, instance AI settings and the
// GitLab.com overview.
package duo
