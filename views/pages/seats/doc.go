// Package seats holds the GitLab Duo seat screens: the usage cards, the seat
// table with its filters and bulk form, and the confirmation page.
package seats
