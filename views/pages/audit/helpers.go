// Package audit is the audit events list that the admin area and group
// owners share, and the readable form of an event's details.
package audit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"duoadmin/models"
	"duoadmin/views/components"
)

// Change is one readable line of an event's details.
type Change struct {
	Key    string
	Before string
	After  string
	Value  string // set when the detail is not a before/after pair
	IsPair bool
}

func (c Change) String() string {
	if c.IsPair {
		return c.Key + ": " + c.Before + " → " + c.After
	}
	return c.Key + ": " + c.Value
}

// Described is an event's details split into changes and the reason.
type Described struct {
	Changes []Change
	Reason  string
}

// Describe reads details: {"before","after"} pairs become "key: a → b",
// the reason (and an automation's rank) is pulled out, the rest listed.
// Details that are not a JSON object are shown as they are.
func Describe(details string) Described {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(details), &m); err != nil {
		if strings.TrimSpace(details) == "" {
			return Described{}
		}
		return Described{Changes: []Change{{Key: "details", Value: details}}}
	}
	var d Described
	if r, ok := m["reason"]; ok {
		d.Reason = scalar(r)
		if rank, ok := m["rank"]; ok {
			d.Reason += " (rank " + scalar(rank) + ")"
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "reason" && k != "rank" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		var pair struct {
			Before *json.RawMessage `json:"before"`
			After  *json.RawMessage `json:"after"`
		}
		if json.Unmarshal(m[k], &pair) == nil && pair.Before != nil && pair.After != nil {
			d.Changes = append(d.Changes, Change{Key: k, Before: scalar(*pair.Before), After: scalar(*pair.After), IsPair: true})
			continue
		}
		d.Changes = append(d.Changes, Change{Key: k, Value: scalar(m[k])})
	}
	return d
}

// scalar writes a JSON value for people: strings without quotes, null as
// "none", lists and objects compactly.
func scalar(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case nil:
		return "none"
	case string:
		if x == "" {
			return `""`
		}
		return x
	case float64:
		return fmt.Sprint(x)
	case bool:
		return fmt.Sprint(x)
	}
	return string(raw)
}

// Time is how the list shows when an event happened.
func Time(t time.Time) string { return components.DateTime(t) }

// ActionTitle is the action in GitLab's words: "duo_availability_changed"
// is "GitLab Duo availability changed".
func ActionTitle(a string) string {
	if t, ok := actionTitles[a]; ok {
		return t
	}
	return humanize(a)
}

// SeatReasonTitle is a seat ledger reason in words: "membership_removed"
// → "Membership removed", "api" → "API".
func SeatReasonTitle(r string) string {
	switch r {
	case models.SeatReasonAPI, models.SeatReasonCLI, models.SeatReasonLDAP:
		return strings.ToUpper(r)
	}
	return humanize(r)
}

func changeLines(d Described) []string {
	out := make([]string, len(d.Changes))
	for i, c := range d.Changes {
		out[i] = c.String()
	}
	return out
}

// CSVChanges is the changes column of the export: one line per change.
func CSVChanges(d Described) string { return strings.Join(changeLines(d), "; ") }
