// Package access owns the access decision: GitLab's flow diagrams for "may
// this user use this GitLab Duo feature, in this context, with this
// resource?" (Decide), the facts it needs (Facts, loaded by the Store in
// package models), the reason codes it answers with, and the catalogue of
// features, tiers and contexts. It is pure: no database, no clock, and it
// imports nothing of duoadmin.
package access
