package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"duoadmin/models/access"
)

// Usage events feed "Last GitLab Duo activity" and the order in which seats
// are removed on overage. They are telemetry, not changes anyone made to
// seats or settings, so no audit event is written for them.

// MaxUsageEvents is how many events one call may apply.
const MaxUsageEvents = 10000

// usageFutureSlack tolerates senders' clocks running ahead; an event later
// than this would hold the forward-only dates in the future.
const usageFutureSlack = time.Hour

const maxUsageEventID = 255

// UsageEvent is one use of a feature as a sender reports it; fields are
// validated by ApplyUsageEvents.
type UsageEvent struct {
	ID         string  `json:"id"`
	Username   string  `json:"username"`
	Feature    string  `json:"feature"`
	OccurredAt string  `json:"occurred_at"`
	Project    *string `json:"project"`
	// Invalid rejects the event as it stands, for input that was not an
	// event object at all (the caller could not decode it).
	Invalid string `json:"-"`
}

// UsageRejection names an event that was not applied: Index is its
// position in the call.
type UsageRejection struct {
	Index int    `json:"index"`
	ID    string `json:"id"`
	Error string `json:"error"`
}

// UsageResult: a duplicate (already applied, or repeated in the call)
// counts as accepted, since what it reports is recorded.
type UsageResult struct {
	Accepted int              `json:"accepted"`
	Rejected []UsageRejection `json:"rejected"`
}

// ErrTooManyUsageEvents is returned for more than MaxUsageEvents events.
var ErrTooManyUsageEvents = fmt.Errorf("at most %d events per call", MaxUsageEvents)

type usageRow struct {
	ID         string `json:"id"`
	UserID     int64  `json:"user_id"`
	Feature    string `json:"feature"`
	OccurredAt string `json:"occurred_at"`
	ProjectID  *int64 `json:"project_id"`
}

// ApplyUsageEvents validates the events (one query for their users, one for
// their projects), records the new ids and moves each user's activity
// dates forward to their newest new event, all set-based: an older event
// never moves a date back, and an id seen before changes nothing.
func (s *Store) ApplyUsageEvents(ctx context.Context, events []UsageEvent) (UsageResult, error) {
	res := UsageResult{Rejected: []UsageRejection{}}
	if len(events) > MaxUsageEvents {
		return res, ErrTooManyUsageEvents
	}
	users, projects, err := s.usageLookups(ctx, events)
	if err != nil {
		return res, err
	}
	now := time.Now().UTC()
	seen := make(map[string]bool, len(events))
	rows := make([]usageRow, 0, len(events))
	for i, ev := range events {
		row, msg := s.checkUsageEvent(ev, users, projects, now)
		if msg != "" {
			res.Rejected = append(res.Rejected, UsageRejection{Index: i, ID: ev.ID, Error: msg})
			continue
		}
		res.Accepted++
		if !seen[row.ID] {
			seen[row.ID] = true
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return res, nil
	}
	err = s.Tx(ctx, func(tx *Store) error {
		fresh, err := tx.insertUsageEvents(ctx, rows)
		if err != nil || len(fresh) == 0 {
			return err
		}
		return tx.advanceUsageDates(ctx, fresh)
	})
	return res, err
}

func (s *Store) usageLookups(ctx context.Context, events []UsageEvent) (map[string]int64, map[string]int64, error) {
	var names, paths []string
	for _, ev := range events {
		if ev.Username != "" {
			names = append(names, ev.Username)
		}
		if ev.Project != nil && *ev.Project != "" {
			paths = append(paths, *ev.Project)
		}
	}
	users := map[string]int64{}
	if len(names) > 0 {
		found, err := s.UsersByUsernameList(ctx, names)
		if err != nil {
			return nil, nil, err
		}
		for _, u := range found {
			users[strings.ToLower(u.Username)] = u.ID
		}
	}
	projects := map[string]int64{}
	if len(paths) > 0 {
		found, err := s.ProjectsByFullPathList(ctx, paths)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range found {
			projects[strings.ToLower(p.FullPath)] = p.ID
		}
	}
	return users, projects, nil
}

func (s *Store) checkUsageEvent(ev UsageEvent, users, projects map[string]int64, now time.Time) (usageRow, string) {
	row := usageRow{ID: ev.ID, Feature: ev.Feature}
	switch {
	case ev.Invalid != "":
		return row, ev.Invalid
	case strings.TrimSpace(ev.ID) == "":
		return row, "id is missing"
	case len(ev.ID) > maxUsageEventID:
		return row, fmt.Sprintf("id is too long (at most %d characters)", maxUsageEventID)
	case ev.Username == "":
		return row, "username is missing"
	case ev.Feature == "":
		return row, "feature is missing"
	case ev.OccurredAt == "":
		return row, "occurred_at is missing"
	}
	id, ok := users[strings.ToLower(ev.Username)]
	if !ok {
		return row, fmt.Sprintf("unknown user %q", ev.Username)
	}
	row.UserID = id
	if _, ok := access.FeatureByID(ev.Feature); !ok {
		return row, fmt.Sprintf("unknown feature %q", ev.Feature)
	}
	at, err := time.Parse(time.RFC3339Nano, ev.OccurredAt)
	if err != nil {
		return row, fmt.Sprintf("occurred_at is not an RFC 3339 timestamp (e.g. 2026-06-15T09:30:00Z): %q", ev.OccurredAt)
	}
	if at.After(now.Add(usageFutureSlack)) {
		return row, fmt.Sprintf("occurred_at is in the future: %q", ev.OccurredAt)
	}
	row.OccurredAt = s.usageTime(at)
	if ev.Project != nil && *ev.Project != "" {
		pid, ok := projects[strings.ToLower(*ev.Project)]
		if !ok {
			return row, fmt.Sprintf("unknown project %q", *ev.Project)
		}
		row.ProjectID = &pid
	}
	return row, ""
}

// usageTime writes t in UTC: on SQLite in the driver's own layout, so that
// text order is time order and the value reads back as a time.
func (s *Store) usageTime(t time.Time) string {
	t = t.UTC()
	if s.dialect == SQLite {
		return t.Format("2006-01-02 15:04:05.999999999-07:00")
	}
	return t.Format(time.RFC3339Nano)
}

// insertUsageEvents records the rows whose id is new and returns those ids.
func (s *Store) insertUsageEvents(ctx context.Context, rows []usageRow) ([]string, error) {
	b, err := json.Marshal(rows)
	if err != nil {
		return nil, err
	}
	src := `SELECT json_extract(value, '$.id'), json_extract(value, '$.user_id'), json_extract(value, '$.feature'),
		json_extract(value, '$.occurred_at'), json_extract(value, '$.project_id') FROM json_each(?) WHERE true`
	if s.dialect == Postgres {
		src = `SELECT x.id, x.user_id, x.feature, x.occurred_at, x.project_id FROM json_to_recordset(CAST(? AS json))
		AS x(id text, user_id bigint, feature text, occurred_at timestamptz, project_id bigint)`
	}
	// "WHERE true" tells SQLite that ON CONFLICT belongs to the INSERT.
	var fresh []string
	err = s.q(ctx).Raw(`INSERT INTO duo_usage_events (id, user_id, feature, occurred_at, project_id) `+src+
		` ON CONFLICT (id) DO NOTHING RETURNING id`, string(b)).Scan(&fresh).Error
	return fresh, err
}

// advanceUsageDates moves each user's dates to the newest of the given
// events, only where that is later than what is stored.
func (s *Store) advanceUsageDates(ctx context.Context, ids []string) error {
	b, _ := json.Marshal(ids)
	idSet := "SELECT value FROM json_each(?)"
	day, later := "date(MAX(e.occurred_at))", "julianday(users.last_code_suggestions_usage_at) < julianday(x.v)"
	if s.dialect == Postgres {
		idSet = "SELECT value FROM json_array_elements_text(CAST(? AS json)) AS value"
		day, later = "CAST(MAX(e.occurred_at) AT TIME ZONE 'UTC' AS date)", "users.last_code_suggestions_usage_at < x.v"
	}
	newest := func(value, filter string) string {
		return "(SELECT e.user_id, " + value + " AS v FROM duo_usage_events e WHERE e.id IN (" + idSet + ")" + filter +
			" GROUP BY e.user_id) AS x"
	}
	err := s.q(ctx).Exec(`UPDATE users SET last_duo_activity_on = x.v FROM `+newest(day, "")+
		` WHERE users.id = x.user_id AND (users.last_duo_activity_on IS NULL OR users.last_duo_activity_on < x.v)`, string(b)).Error
	if err != nil {
		return err
	}
	return s.q(ctx).Exec(`UPDATE users SET last_code_suggestions_usage_at = x.v FROM `+
		newest("MAX(e.occurred_at)", " AND e.feature = 'code_suggestions'")+
		` WHERE users.id = x.user_id AND (users.last_code_suggestions_usage_at IS NULL OR `+later+`)`, string(b)).Error
}

// ProjectsByFullPathList finds projects by full path (case-insensitive) in
// one query, the paths travelling as one JSON parameter.
func (s *Store) ProjectsByFullPathList(ctx context.Context, paths []string) ([]Project, error) {
	sub, arg := s.lowerTextSet(paths)
	var out []Project
	err := s.q(ctx).Where("lower(full_path) IN ("+sub+")", arg).Find(&out).Error
	return out, err
}

// ParseUsageEvent decodes one event object; what is not one comes back
// with Invalid set, so that it is rejected in its place rather than failing
// the whole batch.
func ParseUsageEvent(raw []byte) UsageEvent {
	if !json.Valid(raw) {
		return UsageEvent{Invalid: "not valid JSON"}
	}
	var ev UsageEvent
	err := json.Unmarshal(raw, &ev)
	if err == nil {
		return ev
	}
	// Keep the id, when there is one, for the rejection.
	var partial struct {
		ID any `json:"id"`
	}
	ev = UsageEvent{Invalid: "not an event object"}
	if json.Unmarshal(raw, &partial) == nil {
		if id, ok := partial.ID.(string); ok {
			ev.ID = id
		}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		ev.Invalid = te.Field + " must be a string"
		if te.Field == "project" {
			ev.Invalid = "project must be a full path or null"
		}
	}
	return ev
}
