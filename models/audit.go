package models

import (
	"context"
	"encoding/json"
)

// Actor is who did something: a signed-in user, or automation (ID 0).
type Actor struct {
	ID       int64
	Username string
	// SeatReason is why seats this actor changes were gained or lost, for
	// the seat ledger: the path (screen, API, CLI, import, trial) says it
	// with WithSeatReason.
	SeatReason string
	// RuleID is the assignment rule the seats change by (reason rule).
	RuleID int64
}

// WithSeatReason is the actor changing seats for reason.
func (a Actor) WithSeatReason(reason string) Actor {
	a.SeatReason = reason
	return a
}

// WithRule is the actor changing seats by an assignment rule.
func (a Actor) WithRule(ruleID int64) Actor {
	a.SeatReason, a.RuleID = SeatReasonRule, ruleID
	return a
}

// Automation is the actor of scheduled jobs.
var Automation = Actor{Username: "GitLab Duo automation"}

func ActorFor(u *User) Actor { return Actor{ID: u.ID, Username: u.Username} }

// AuditEntry is what a change records about itself.
type AuditEntry struct {
	Action      string
	TargetType  string
	TargetID    int64
	TargetName  string
	NamespaceID *int64
	Details     map[string]any
}

// Audit writes an event in the Store's transaction: call it on the tx Store
// so the event and the change it describes commit together.
func (s *Store) Audit(ctx context.Context, actor Actor, e AuditEntry) error {
	details := "{}"
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return err
		}
		details = string(b)
	}
	ev := AuditEvent{
		ActorName:   actor.Username,
		Action:      e.Action,
		TargetType:  e.TargetType,
		TargetName:  e.TargetName,
		NamespaceID: e.NamespaceID,
		Details:     details,
	}
	if actor.ID != 0 {
		id := actor.ID
		ev.ActorID = &id
	}
	if e.TargetID != 0 {
		id := e.TargetID
		ev.TargetID = &id
	}
	return s.q(ctx).Create(&ev).Error
}

// RecentAuditEvents lists the newest events first.
func (s *Store) RecentAuditEvents(ctx context.Context, limit int) ([]AuditEvent, error) {
	var evs []AuditEvent
	err := s.q(ctx).Order("created_at DESC, id DESC").Limit(limit).Find(&evs).Error
	return evs, err
}

// AuditEventsFor lists the events about one target, newest first.
func (s *Store) AuditEventsFor(ctx context.Context, targetType string, targetID int64, limit int) ([]AuditEvent, error) {
	var evs []AuditEvent
	err := s.q(ctx).Where("target_type = ? AND target_id = ?", targetType, targetID).
		Order("created_at DESC, id DESC").Limit(limit).Find(&evs).Error
	return evs, err
}

// change is the before/after pair audit details carry.
func change(before, after any) map[string]any {
	return map[string]any{"before": before, "after": after}
}
