// Package groups holds the group screens: the Admin list, the new group form
// and a group's page.
package groups
