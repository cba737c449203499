// Package access holds the access-check screens: the check form with its
// decision diagram, and a user's access profile.
package access
