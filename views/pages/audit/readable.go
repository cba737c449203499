package audit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"duoadmin/models"
	"duoadmin/views/components"
)

// actionTitles are the actions in GitLab's words; any other action is
// spelled out from its name by humanize.
var actionTitles = map[string]string{
	"add_on_purchase_created":               "Add-on purchase created",
	"add_on_purchase_updated":               "Add-on purchase updated",
	"ai_feature_settings_changed":           "AI feature settings changed",
	"audit_events_pruned":                   "Old audit events deleted",
	"duo_assignment_rule_created":           "GitLab Duo seat assignment rule created",
	"duo_assignment_rule_deleted":           "GitLab Duo seat assignment rule deleted",
	"duo_assignment_rule_updated":           "GitLab Duo seat assignment rule updated",
	"duo_availability_applied":              "GitLab Duo availability applied from a file",
	"duo_availability_changed":              "GitLab Duo availability changed",
	"duo_availability_enforced":             "GitLab Duo availability enforced",
	"duo_availability_enforcement_released": "GitLab Duo availability enforcement released",
	"duo_core_changed":                      "GitLab Duo Core changed",
	"duo_trial_started":                     "GitLab Duo trial started",
	"instance_ai_settings_changed":          "AI settings changed",
	"instance_plan_changed":                 "Instance plan changed",
	"ldap_settings_updated":                 "LDAP settings updated",
	"seat_assigned":                         "GitLab Duo seat assigned",
	"seat_unassigned":                       "GitLab Duo seat removed",
	"seats_assigned":                        "GitLab Duo seats assigned",
	"seats_unassigned":                      "GitLab Duo seats removed",
	"seat_reclaim_policy_updated":           "Idle seat reclaim policy updated",
	"seat_removal_guard_changed":            "Seat removal guard changed",
	"seat_request_declined":                 "GitLab Duo seat request declined",
	"seat_request_settings_updated":         "GitLab Duo seat request settings updated",
	"seat_requested":                        "GitLab Duo seat requested",
	"self_hosted_model_created":             "Self-hosted model created",
	"self_hosted_model_deleted":             "Self-hosted model deleted",
	"self_hosted_model_updated":             "Self-hosted model updated",
	"web_hook_created":                      "Webhook created",
	"web_hook_destroyed":                    "Webhook deleted",
}

// acronyms are written as GitLab writes them.
var acronyms = map[string]string{"ai": "AI", "api": "API", "url": "URL", "ldap": "LDAP", "csv": "CSV", "ip": "IP",
	"ide": "IDE", "sso": "SSO", "id": "ID", "dn": "DN", "tls": "TLS"}

// humanize spells a snake_case name in words: "ai_gateway_url" is
// "AI gateway URL", "duo_pro" is "GitLab Duo pro".
func humanize(name string) string {
	words := strings.Fields(strings.ReplaceAll(name, "_", " "))
	for i, w := range words {
		switch {
		case acronyms[w] != "":
			words[i] = acronyms[w]
		case w == "duo":
			words[i] = "GitLab Duo"
		case i == 0:
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// fieldLabels name the detail fields as GitLab's settings screens do.
var fieldLabels = map[string]string{
	"duo_availability":            "GitLab Duo availability",
	"duo_features_enabled":        "GitLab Duo",
	"lock_duo_features_enabled":   "Locked for subgroups and projects",
	"experiment_features_enabled": "Experiment and beta features",
	"duo_core_features_enabled":   "GitLab Duo Core",
	"access_level":                "Role",
	"add_on":                      "Add-on",
	"max_percent":                 "Most seats removed at once (%)",
	"max_seats":                   "Most seats removed at once",
	"fill_freed_seats":            "Freed seats go to the oldest request",
	"expires_on":                  "End date",
	"started_at":                  "Start date",
	"purchase_xid":                "Subscription ID",
	"count":                       "Users",
}

func fieldLabel(key string) string {
	if l, ok := fieldLabels[key]; ok {
		return l
	}
	if t, ok := models.AIFeatureTitle(key); ok {
		return t
	}
	return humanize(key)
}

// valueLabel writes one machine value for people: availability options by
// their titles, switches as On/Off, lists and maps as words, never JSON.
func valueLabel(key string, v any) string {
	switch x := v.(type) {
	case nil:
		return "none"
	case bool:
		switch {
		case strings.HasPrefix(key, "lock_"):
			return map[bool]string{true: "Locked", false: "Unlocked"}[x]
		case strings.HasSuffix(key, "_enabled") || key == "enabled":
			return map[bool]string{true: "On", false: "Off"}[x]
		}
		return map[bool]string{true: "Yes", false: "No"}[x]
	case float64:
		return fmt.Sprint(x)
	case string:
		switch {
		case x == "":
			return "none"
		case key == "duo_availability" || key == "instance":
			return models.Availability(x).Title()
		case key == "add_on":
			return models.AddOn(x).Title()
		case key == "access_level" || key == "state" || key == "plan":
			return humanize(x)
		}
		if d, err := models.ParseDate(x); err == nil {
			return components.Date(d)
		}
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = valueLabel(key, e)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			// A map of paths (groups: {acme/sub: default_off}) keeps its keys.
			label := k
			if !strings.Contains(k, "/") && !strings.Contains(k, ".") {
				label = fieldLabel(k)
			}
			parts[i] = label + ": " + valueLabel(key, x[k])
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

// Readable is an event's details for the audit page: before → after as
// labels, unchanged fields and internal IDs left out, the subgroups and
// projects a change reset counted in words. The CSV keeps Describe's
// machine values.
func Readable(details string) Described {
	var m map[string]any
	if err := json.Unmarshal([]byte(details), &m); err != nil {
		if strings.TrimSpace(details) == "" {
			return Described{}
		}
		return Described{Changes: []Change{{Key: "Details", Value: details}}}
	}
	var d Described
	if r, ok := m["reason"]; ok {
		d.Reason = valueLabel("reason", r)
		if rank, ok := m["rank"]; ok {
			d.Reason += " (rank " + valueLabel("rank", rank) + ")"
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return detailOrder(keys[i]) < detailOrder(keys[j]) || detailOrder(keys[i]) == detailOrder(keys[j]) && keys[i] < keys[j]
	})
	for _, k := range keys {
		v := m[k]
		if k == "reason" || k == "rank" || k == "id" || strings.HasSuffix(k, "_id") {
			continue
		}
		if k == "descendants_reset" {
			if s := resetWords(v); s != "" {
				d.Changes = append(d.Changes, Change{Value: s})
			}
			continue
		}
		if pair, ok := v.(map[string]any); ok && len(pair) == 2 && hasKeys(pair, "before", "after") {
			before, after := valueLabel(k, pair["before"]), valueLabel(k, pair["after"])
			if before == after {
				continue
			}
			d.Changes = append(d.Changes, Change{Key: fieldLabel(k), Before: before, After: after, IsPair: true})
			continue
		}
		d.Changes = append(d.Changes, Change{Key: fieldLabel(k), Value: valueLabel(k, v)})
	}
	return d
}

// detailOrder puts the availability option first: it says what the
// switches below it say in one word.
func detailOrder(k string) int {
	switch k {
	case "duo_availability":
		return 0
	case "descendants_reset":
		return 2
	}
	return 1
}

func hasKeys(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// resetWords is "reset 23 subgroups and 40 projects"; nothing when the
// change reset nothing.
func resetWords(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	var parts []string
	for _, k := range []struct{ key, one, many string }{{"subgroups", "subgroup", "subgroups"}, {"projects", "project", "projects"}} {
		n, _ := m[k.key].(float64)
		switch {
		case n == 1:
			parts = append(parts, "1 "+k.one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%s %s", Count(int64(n)), k.many))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "reset " + strings.Join(parts, " and ")
}

// Count writes a number with thousands separators, as GitLab does: 1,234.
func Count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + Count(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// targetTypes name the target kinds in words.
var targetTypes = map[string]string{"AddOnPurchase": "Add-on", "SelfHostedModel": "Self-hosted model",
	"WebHook": "Webhook", "LDAPServer": "LDAP server", "FeatureFlag": "Feature flag", "AuditEvent": "Audit events"}

// Target is the event's target for the page: "Instance" (not
// "Instance instance"), "Add-on GitLab Duo Pro", "Group acme/sub".
func Target(e *models.AuditEvent) string {
	if e.TargetType == "Instance" {
		return "Instance"
	}
	if e.TargetType == "AuditEvent" {
		return "Audit events"
	}
	name := e.TargetName
	if e.TargetType == "AddOnPurchase" {
		switch models.AddOn(name) {
		case models.AddOnDuoPro, models.AddOnDuoEnterprise:
			name = models.AddOn(name).Title()
		}
	}
	if name == "" && e.TargetID != nil {
		name = fmt.Sprintf("#%d", *e.TargetID)
	}
	kind, ok := targetTypes[e.TargetType]
	if !ok {
		kind = e.TargetType
	}
	if kind == "" {
		return name
	}
	return kind + " " + name
}
