// Package seathistory is a purchase's Seat history: its seat ledger,
// filtered, paginated and exported. The Admin area (self-managed) and a
// top-level group's usage quotas (GitLab.com) share it.
package seathistory
