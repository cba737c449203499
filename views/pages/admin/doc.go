// Package admin holds the Admin area's own pages: the overview, users and
// their forms, feature flags and the email outbox.
package admin
