package components

import (
	"time"

	"duoadmin/models"
)

// One way of writing a day and a moment on every page, as GitLab does:
// "May 9, 2026" and "May 9, 2026, 14:05 UTC". Machine formats (CSV, API,
// date inputs) keep ISO 8601.
const (
	dateLayout     = "Jan 2, 2006"
	dateTimeLayout = "Jan 2, 2006, 15:04 UTC"
)

// Date writes a calendar day.
func Date(d models.Date) string { return d.Format(dateLayout) }

// Day writes the UTC day of t.
func Day(t time.Time) string { return t.UTC().Format(dateLayout) }

// DateTime writes t to the minute, in UTC.
func DateTime(t time.Time) string { return t.UTC().Format(dateTimeLayout) }
