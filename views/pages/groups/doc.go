// Package groups holds a group's page, the new group form and the Admin
// area's list of groups.
package groups
