// Package admin holds Admin area screens: the overview, users and the user
// form, feature flags and the email outbox.
package admin
