package models

import (
	"context"
	"fmt"
	"time"
)

// PruneAuditEvents deletes the events created before now minus days and
// records, in the same transaction, one "audit_events_pruned" event with
// the count and the cutoff, so pruning is itself in the log. It is the
// only delete of audit events anywhere (a test holds models/ to that).
// Nothing to delete writes nothing.
func (s *Store) PruneAuditEvents(ctx context.Context, now time.Time, days int) (int64, time.Time, error) {
	if days <= 0 {
		return 0, time.Time{}, nil
	}
	cutoff := now.UTC().AddDate(0, 0, -days)
	var n int64
	err := s.Tx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Where("created_at < ?", cutoff).Delete(&AuditEvent{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		if n == 0 {
			return nil
		}
		return tx.Audit(ctx, Automation, AuditEntry{Action: "audit_events_pruned", TargetType: "AuditEvent",
			TargetName: "audit_events", Details: map[string]any{"count": n, "cutoff": cutoff.Format(time.RFC3339),
				"retention_days": days}})
	})
	return n, cutoff, err
}

func runAuditRetentionJob(ctx context.Context, s *Store, now time.Time) (string, error) {
	days := s.opts.AuditRetentionDays
	if days <= 0 {
		return "audit events are kept for ever (AUDIT_RETENTION_DAYS unset)", nil
	}
	n, cutoff, err := s.PruneAuditEvents(ctx, now, days)
	return fmt.Sprintf("deleted %d audit event(s) created before %s (retention %d days)", n, cutoff.Format(time.RFC3339), days), err
}
