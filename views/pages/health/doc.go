// Package health holds the GitLab Duo health check page.
package health
