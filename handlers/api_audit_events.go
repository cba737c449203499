package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// /api/v4/audit_events (admins and auditors) and
// /api/v4/groups/:id/audit_events (the group's owners: its hierarchy's
// events, as on the group's page), newest first, GitLab-paginated.

type apiAuditAuthor struct {
	ID       *int64 `json:"id"` // null for GitLab Duo automation
	Username string `json:"username"`
}

type apiAuditEvent struct {
	ID         int64           `json:"id"`
	Author     apiAuditAuthor  `json:"author"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   *int64          `json:"entity_id"`
	EntityPath string          `json:"entity_path"`
	Details    json.RawMessage `json:"details"`
	CreatedAt  string          `json:"created_at"`
}

// GET /api/v4/audit_events
func (s *Server) getAPIAuditEvents(c echo.Context) error {
	return s.apiAuditEvents(c, nil)
}

// GET /api/v4/groups/:id/audit_events
func (s *Server) getAPIGroupAuditEvents(c echo.Context) error {
	return s.apiAuditEvents(c, currentGroup(c))
}

func (s *Server) apiAuditEvents(c echo.Context, scope *models.Group) error {
	page, perPage, err := apiPage(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	f := models.AuditFilter{Scope: scope, ActorUsername: q.Get("actor_username"), TargetUsername: q.Get("target_username"),
		GroupPath: strings.Trim(q.Get("group"), "/")}
	if a := q.Get("action"); a != "" {
		f.Actions = []string{a}
	}
	if f.Since, err = apiTime(q.Get("created_after"), false); err != nil {
		return apiFail(http.StatusBadRequest, "created_after is invalid")
	}
	if f.Before, err = apiTime(q.Get("created_before"), true); err != nil {
		return apiFail(http.StatusBadRequest, "created_before is invalid")
	}
	evs, total, err := s.store.AuditEvents(c.Request().Context(), f, (page-1)*perPage, perPage)
	if err != nil {
		return err
	}
	out := make([]apiAuditEvent, len(evs))
	for i, e := range evs {
		details := json.RawMessage(e.Details)
		if !json.Valid(details) {
			details = json.RawMessage("{}")
		}
		out[i] = apiAuditEvent{ID: e.ID, Author: apiAuditAuthor{ID: e.ActorID, Username: e.ActorName}, Action: e.Action,
			EntityType: e.TargetType, EntityID: e.TargetID, EntityPath: e.TargetName, Details: details,
			CreatedAt: e.CreatedAt.UTC().Format(apiTimeLayout)}
	}
	setPaginationHeaders(c, page, perPage, total)
	return c.JSON(http.StatusOK, out)
}

// apiTime reads an ISO 8601 time or a date. created_before is inclusive:
// a date covers its whole day, a time up to and including that instant.
func apiTime(raw string, before bool) (*time.Time, error) {
	if raw == "" {
		return nil, nil
	}
	if d, err := models.ParseDate(raw); err == nil {
		t := d.Time
		if before {
			t = d.AddDays(1).Time
		}
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return nil, err
	}
	if before {
		t = t.Add(time.Microsecond)
	}
	return &t, nil
}
