// Package usersettings holds the user settings screens: the active sessions
// list.
package usersettings
