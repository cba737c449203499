package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// AuditActions are the actions the Store writes, for the filter's select.
// A test checks every action found in models/*.go is listed here.
var AuditActions = []string{
	"add_on_purchase_created", "add_on_purchase_updated", "ai_feature_settings_changed", "audit_events_pruned",
	"duo_assignment_rule_created", "duo_assignment_rule_deleted", "duo_assignment_rule_updated",
	"duo_availability_applied", "duo_availability_changed", "duo_availability_enforced", "duo_availability_enforcement_released",
	"duo_core_changed", "duo_trial_started",
	"feature_flag_changed", "group_created", "group_plan_changed", "group_shared",
	"instance_ai_settings_changed", "instance_plan_changed", "ldap_settings_updated", "member_access_changed", "member_added", "member_removed",
	"organisation_imported", "personal_access_token_created", "project_created", "project_shared",
	"seat_assigned", "seat_reclaim_policy_updated", "seat_removal_guard_changed", "seat_request_declined", "seat_request_settings_updated",
	"seat_requested", "seat_sync_applied", "seat_sync_approved", "seat_sync_discarded",
	"seat_sync_held", "seat_unassigned", "seats_assigned", "seats_unassigned", "self_hosted_model_created", "self_hosted_model_deleted",
	"self_hosted_model_updated", "subscription_created", "subscription_synchronized",
	"user_created", "user_session_revoked", "user_sessions_revoked", "user_state_changed", "user_updated",
	"web_hook_created", "web_hook_destroyed",
}

// AuditFilter narrows the audit log. Usernames and the group path are
// resolved by the Store; one that matches nothing matches no event.
type AuditFilter struct {
	// Scope is the group whose page this is: only its hierarchy's events
	// (see scopeToGroup). Nil on the admin page.
	Scope          *Group
	ActorUsername  string
	TargetUsername string
	TargetUserID   int64
	GroupPath      string // the group and its descendants
	Actions        []string
	// NamespaceID, when set, keeps the events of one top-level group;
	// InstanceOnly keeps those of no group (the instance's).
	NamespaceID  *int64
	InstanceOnly bool
	Since        *time.Time // created_at >= Since
	Before       *time.Time // created_at < Before
}

// errNoMatch ends a query early: a filter named something that does not exist.
var errNoMatch = errors.New("audit filter matches nothing")

// auditQuery is the filtered events, without order or limit.
func (s *Store) auditQuery(ctx context.Context, f AuditFilter) (*gorm.DB, error) {
	q := s.q(ctx).Model(&AuditEvent{})
	if f.Scope != nil {
		q = s.scopeToGroup(ctx, q, f.Scope)
	}
	if f.GroupPath != "" {
		g, err := s.GroupByFullPath(ctx, f.GroupPath)
		if errors.Is(err, ErrNotFound) {
			return nil, errNoMatch
		}
		if err != nil {
			return nil, err
		}
		q = s.scopeToGroup(ctx, q, g)
	}
	if f.ActorUsername != "" {
		u, err := s.UserByUsername(ctx, f.ActorUsername)
		switch {
		case err == nil:
			q = q.Where("actor_id = ?", u.ID)
		case errors.Is(err, ErrNotFound):
			// Automation and actors of imports have a name and no account.
			q = q.Where("actor_id IS NULL AND actor_name = ?", f.ActorUsername)
		default:
			return nil, err
		}
	}
	if f.TargetUsername != "" {
		u, err := s.UserByUsername(ctx, f.TargetUsername)
		if errors.Is(err, ErrNotFound) {
			return nil, errNoMatch
		}
		if err != nil {
			return nil, err
		}
		q = q.Where("target_type = 'User' AND target_id = ?", u.ID)
	}
	if f.TargetUserID != 0 {
		q = q.Where("target_type = 'User' AND target_id = ?", f.TargetUserID)
	}
	switch len(f.Actions) {
	case 0:
	case 1:
		q = q.Where("action = ?", f.Actions[0])
	default:
		q = q.Where("action IN ?", f.Actions)
	}
	if f.NamespaceID != nil {
		q = q.Where("namespace_id = ?", *f.NamespaceID)
	}
	if f.InstanceOnly {
		q = q.Where("namespace_id IS NULL")
	}
	if f.Since != nil {
		q = q.Where("created_at >= ?", f.Since.UTC())
	}
	if f.Before != nil {
		q = q.Where("created_at < ?", f.Before.UTC())
	}
	return q, nil
}

// scopeToGroup keeps the events of g's hierarchy. Every event about a
// group, project, membership, seat or purchase carries the top-level group
// in namespace_id, so a top-level group's events are exactly those with
// its id there. A subgroup's are, among those, the events whose target is
// the subgroup or one of its descendant groups or projects (by id, so a
// rename does not lose them), and the membership events whose source (the
// full path in details) is in the subtree. Seats, purchases and
// subscriptions belong to the top-level group and show there only; events
// of no group (users, instance settings) show on no group's page.
func (s *Store) scopeToGroup(ctx context.Context, q *gorm.DB, g *Group) *gorm.DB {
	q = q.Where("namespace_id = ?", g.RootID())
	if g.TopLevel() {
		return q
	}
	lo, hi := subtreeRange(g.TraversalPath)
	groups := s.q(ctx).Table("namespaces").Select("id").Where("traversal_path >= ? AND traversal_path < ?", lo, hi)
	projects := s.q(ctx).Table("projects").Select("id").Where("namespace_id IN (?)", groups)
	// Paths are [A-Za-z0-9_.-/], which JSON writes as they are.
	exact := `%"source":"` + likeEscape(g.FullPath) + `"%`
	below := `%"source":"` + likeEscape(g.FullPath) + `/%`
	return q.Where(s.q(ctx).
		Where("target_type = 'Group' AND target_id IN (?)", groups).
		Or("target_type = 'Project' AND target_id IN (?)", projects).
		Or("target_type = 'User' AND (details LIKE ? ESCAPE '\\' OR details LIKE ? ESCAPE '\\')", exact, below))
}

// AuditEvents is one page of the filtered log, newest first. The order is
// by id: ids are assigned at insert and created_at is the insert time, and
// the primary key makes the order total.
func (s *Store) AuditEvents(ctx context.Context, f AuditFilter, offset, limit int) ([]AuditEvent, int64, error) {
	q, err := s.auditQuery(ctx, f)
	if errors.Is(err, errNoMatch) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var evs []AuditEvent
	err = q.Order("id DESC").Offset(max(offset, 0)).Limit(limit).Find(&evs).Error
	return evs, total, err
}

// AuditEventsPage is AuditEvents for a screen's Page.
func (s *Store) AuditEventsPage(ctx context.Context, f AuditFilter, page Page) (Paged[AuditEvent], error) {
	page = page.normalized()
	evs, total, err := s.AuditEvents(ctx, f, page.Offset(), page.PerPage)
	return Paged[AuditEvent]{Items: evs, Total: total, Page: page.Number, PerPage: page.PerPage}, err
}

// AuditExportBatch is how many events EachAuditEvent holds at once.
const AuditExportBatch = 1000

// EachAuditEvent streams the filtered log newest first, AuditExportBatch
// events at a time by keyset on id, so exporting a million events holds a
// thousand in memory and each batch is an index range scan (no OFFSET).
func (s *Store) EachAuditEvent(ctx context.Context, f AuditFilter, fn func(*AuditEvent) error) error {
	var last int64
	for {
		q, err := s.auditQuery(ctx, f)
		if errors.Is(err, errNoMatch) {
			return nil
		}
		if err != nil {
			return err
		}
		if last != 0 {
			q = q.Where("id < ?", last)
		}
		evs := make([]AuditEvent, 0, AuditExportBatch)
		if err := q.Order("id DESC").Limit(AuditExportBatch).Find(&evs).Error; err != nil {
			return err
		}
		for i := range evs {
			if err := fn(&evs[i]); err != nil {
				return err
			}
		}
		if len(evs) < AuditExportBatch {
			return nil
		}
		last = evs[len(evs)-1].ID
	}
}
