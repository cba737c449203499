// Package webhooks is GitLab's webhook pages for seat events: the admin
// area's System hooks and a top-level group's Webhooks (list and add,
// Recent events with Test, delete with a confirmation).
package webhooks
