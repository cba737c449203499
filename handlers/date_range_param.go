package handlers

import (
	"time"

	"duoadmin/models"
)

// dateRangeParams reads a list's from and to dates (YYYY-MM-DD, both
// optional, to inclusive) into the half-open range [since, before), adding
// field errors for dates that do not parse or a to before from.
func dateRangeParams(errs models.FieldErrors, from, to string) (since, before *time.Time) {
	var fromDate, toDate models.Date
	var err error
	if from != "" {
		if fromDate, err = models.ParseDate(from); err != nil {
			errs.Add("from", "must be a date (YYYY-MM-DD)")
		} else {
			t := fromDate.Time
			since = &t
		}
	}
	if to != "" {
		if toDate, err = models.ParseDate(to); err != nil {
			errs.Add("to", "must be a date (YYYY-MM-DD)")
		} else {
			// To is inclusive: everything before the next day.
			t := toDate.AddDays(1).Time
			before = &t
		}
	}
	if since != nil && before != nil && toDate.Before(fromDate) {
		errs.Add("to", "must be on or after From")
	}
	return since, before
}
