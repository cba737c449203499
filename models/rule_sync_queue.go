package models

import (
	"context"
	"time"
)

// The rule sync queue: a membership or user-state change writes the user
// into rule_sync_queue in its own transaction (only when some purchase has
// rules), and the rules are applied to those users at once after the
// commit, and by the rule_queue job for what is left (a crash, another
// instance's change). A batch is claimed with FOR UPDATE SKIP LOCKED on
// Postgres and by SQLite's single writer, and deleted in the transaction
// that applies it: each change is applied once, however many app
// instances process the queue.

// enqueueRuleSync queues users for the rules; it reports whether anything
// was queued (no rules, nothing to do).
func (tx *Store) enqueueRuleSync(ctx context.Context, userIDs ...int64) (bool, error) {
	sub, arg := tx.idSet(userIDs)
	res := tx.q(ctx).Exec(`INSERT INTO rule_sync_queue (user_id, created_at) SELECT ids.id, ? FROM (`+sub+`) AS ids
		WHERE EXISTS (SELECT 1 FROM duo_assignment_rules)`, time.Now().UTC(), arg)
	return res.RowsAffected > 0, res.Error
}

// ruleSyncAfter runs after a change committed that queued users: their
// rules are applied now. A failure is left to the rule_queue job, which
// finds the rows still queued; the change itself has succeeded.
func (s *Store) ruleSyncAfter(ctx context.Context, queued bool) {
	if queued {
		_, _ = s.ProcessRuleQueue(ctx)
	}
}

// ruleQueueBatch is how many queued changes one transaction applies.
const ruleQueueBatch = 1000

// ProcessRuleQueue applies the rules to queued users until the queue is
// empty (or holds only rows another instance is applying), and returns
// how many queued changes it applied. A batch smaller than a full one
// emptied the queue as far as this instance can see: it stops without
// another transaction to find nothing (a change queued since then is
// applied by the instance that queued it, or the rule_queue job).
func (s *Store) ProcessRuleQueue(ctx context.Context) (int, error) {
	total := 0
	for {
		n, claimed := 0, 0
		err := s.Tx(ctx, func(tx *Store) error {
			users, rows, err := tx.claimRuleQueue(ctx)
			if err != nil || len(users) == 0 {
				return err
			}
			n, claimed = len(users), rows
			return tx.applyRulesTo(ctx, users)
		})
		total += n
		if err != nil || claimed < ruleQueueBatch {
			return total, err
		}
	}
}

// claimRuleQueue takes a batch off the queue: its distinct users and how
// many rows it took. The rows are gone when the transaction commits and
// back when it rolls back.
func (tx *Store) claimRuleQueue(ctx context.Context) ([]int64, int, error) {
	var ids []int64
	if tx.dialect == Postgres {
		err := tx.q(ctx).Raw(`DELETE FROM rule_sync_queue WHERE id IN (
			SELECT id FROM rule_sync_queue ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING user_id`, ruleQueueBatch).Scan(&ids).Error
		n := len(ids)
		return distinctIDs(ids), n, err
	}
	var rows []struct {
		ID     int64
		UserID int64
	}
	if err := tx.q(ctx).Raw(`SELECT id, user_id FROM rule_sync_queue ORDER BY id LIMIT ?`, ruleQueueBatch).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	if len(rows) == 0 {
		return nil, 0, nil
	}
	rowIDs := make([]int64, len(rows))
	for i, r := range rows {
		rowIDs[i], ids = r.ID, append(ids, r.UserID)
	}
	sub, arg := tx.idSet(rowIDs)
	return distinctIDs(ids), len(rows), tx.q(ctx).Exec(`DELETE FROM rule_sync_queue WHERE id IN (`+sub+`)`, arg).Error
}

func distinctIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// applyRulesTo applies every purchase's rules to users, purchases locked
// in id order (so two batches never wait on each other in a circle).
func (tx *Store) applyRulesTo(ctx context.Context, users []int64) error {
	// The purchases with rules, locked in one statement.
	var purchases []AddOnPurchase
	if err := tx.forUpdate(ctx).Where("id IN (?)", tx.q(ctx).Model(&AssignmentRule{}).Select("add_on_purchase_id")).
		Order("id").Find(&purchases).Error; err != nil {
		return err
	}
	for i := range purchases {
		p := &purchases[i]
		// Read once, with the purchase locked (a snapshot after the lock).
		assigned, err := tx.AssignedCount(ctx, p.ID)
		if err != nil {
			return err
		}
		rules, err := tx.AssignmentRules(ctx, p.ID)
		if err != nil {
			return err
		}
		in := planInput{rules: rules, only: users, assigned: &assigned}
		if _, err := tx.syncInTx(ctx, Automation, p, in, TriggerMembership, true); err != nil {
			return err
		}
	}
	return nil
}

// QueueRuleSync queues users whose membership changed outside the Store's
// own member and user methods (an LDAP sign-in that found new groups) and
// applies the rules to them now; what fails now the rule_queue job retries.
func (s *Store) QueueRuleSync(ctx context.Context, userIDs ...int64) error {
	queued := false
	err := s.Tx(ctx, func(tx *Store) error {
		var err error
		queued, err = tx.enqueueRuleSync(ctx, userIDs...)
		return err
	})
	if err == nil {
		s.ruleSyncAfter(ctx, queued)
	}
	return err
}
