// Package members is the members page that groups and projects share.
package members
