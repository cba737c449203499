// Package usersettings is the signed-in user's own settings pages that are
// not about GitLab Duo: their active sessions.
package usersettings

import (
	"time"

	"duoadmin/models"
	"duoadmin/views/components"
)

// ActiveSessionsPath is the page's address, as in GitLab.
const ActiveSessionsPath = "/-/user_settings/active_sessions"

// RevokePath is where a session's Revoke button posts (field id).
const RevokePath = ActiveSessionsPath + "/revoke"

// ActiveSessionsProps is /-/user_settings/active_sessions.
type ActiveSessionsProps struct {
	Sessions []models.ActiveSession
	// Error is why the last revoke was refused (re-rendered with 422).
	Error string
}

func sessionDate(t time.Time) string { return components.DateTime(t) }
