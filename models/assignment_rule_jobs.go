package models

import (
	"context"
	"fmt"
	"time"
)

// RuleQueueEvery is how often the rule_queue job applies queued changes
// left over (the changing instance applies its own at once).
const RuleQueueEvery = 10 * time.Second

// runAssignmentRulesJob is the hourly full sync of every purchase with
// rules, guarded; it also expires held runs older than 7 days.
func runAssignmentRulesJob(ctx context.Context, s *Store, now time.Time) (string, error) {
	expired, err := s.ExpireHeldRuns(ctx, now)
	if err != nil {
		return "", err
	}
	var ids []int64
	if err := s.q(ctx).Model(&AssignmentRule{}).Distinct("add_on_purchase_id").Order("add_on_purchase_id").
		Pluck("add_on_purchase_id", &ids).Error; err != nil {
		return "", err
	}
	gains, losses, held := 0, 0, 0
	for _, id := range ids {
		res, err := s.SyncRules(ctx, Automation, id, TriggerScheduled, true)
		if err != nil {
			return "", err
		}
		gains += len(res.Diff.Gains)
		if res.Held != nil {
			held++
		} else {
			losses += len(res.Diff.Losses)
		}
	}
	return fmt.Sprintf("synced the rules of %d purchase(s): %d seat(s) assigned, %d removed%s; %d held sync(s) expired",
		len(ids), gains, losses, heldSuffix(held), expired), nil
}

func runRuleQueueJob(ctx context.Context, s *Store, _ time.Time) (string, error) {
	n, err := s.ProcessRuleQueue(ctx)
	return fmt.Sprintf("applied the rules to %d queued change(s)", n), err
}

func heldSuffix(held int) string {
	if held == 0 {
		return ""
	}
	return fmt.Sprintf(", %d held for approval", held)
}
