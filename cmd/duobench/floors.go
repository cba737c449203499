package main

import (
	"context"
	benchfiles "duoadmin/bench"
	"fmt"
	"strings"
	"time"
)

// A write scenario is judged against its floor: the raw seat statement
// plus the raw ledger insert (#17), written independently of the product
// in bench/floors/*.sql and run in one transaction. What the product does
// beyond that — looking the users up, the eligibility and free-seat
// checks, the one audit event of the action, the mail — must fit in the
// remaining 2x.

const floorActor = "duobench floor"

// floorStatements reads bench/floors/NAME.sql: statements separated by a
// "-- statement" line, each taking $1 (the purchase) and $2 (the users).
func floorStatements(name string) ([]string, error) {
	b, err := benchfiles.Floors.ReadFile("floors/" + name + ".sql")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, part := range strings.Split(string(b), "-- statement\n") {
		if q := strings.TrimSpace(part); q != "" {
			out = append(out, q)
		}
	}
	return out, nil
}

// runFloor times one run of a floor file.
func (b *bench) runFloor(ctx context.Context, name string, purchaseID int64, users []int64) (time.Duration, error) {
	stmts, err := floorStatements(name)
	if err != nil {
		return 0, err
	}
	d, err := timed(1, nil, func() error {
		tx, err := b.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, q := range stmts {
			res, err := tx.ExecContext(ctx, q, purchaseID, users)
			if err != nil {
				return fmt.Errorf("floor %s: %w", name, err)
			}
			if n, _ := res.RowsAffected(); n != int64(len(users)) {
				return fmt.Errorf("floor %s: %d rows, want %d", name, n, len(users))
			}
		}
		return tx.Commit()
	})
	if err != nil {
		return 0, err
	}
	return d[0], nil
}

// forgetScenarioWrites deletes what earlier runs' write scenarios left in
// the bench database — their audit events, ledger rows and mail — so every
// run starts from the same tables. The synthetic seed assigns its seats
// without audit events or ledger rows and sends no mail, so those rows are
// all the bench's. (Only here: the product never deletes them.)
func (b *bench) forgetScenarioWrites(ctx context.Context) error {
	for _, q := range []string{
		`DELETE FROM audit_events WHERE action IN ('seat_assigned', 'seat_unassigned', 'seats_assigned', 'seats_unassigned')`,
		`DELETE FROM seat_events`,
		`DELETE FROM email_outbox`,
		`DELETE FROM email_bodies`,
		`VACUUM ANALYZE audit_events, seat_events, email_outbox, email_bodies`,
	} {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("forget earlier runs' writes: %w", err)
		}
	}
	return nil
}

// forgetFloorWrites removes a floor run's ledger rows (untimed), so they
// neither accumulate nor leave dead tuples for the next timed run.
func (b *bench) forgetFloorWrites(ctx context.Context) error {
	for _, q := range []string{`DELETE FROM seat_events WHERE actor_name = '` + floorActor + `'`, `VACUUM seat_events`} {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// bulkFloor: assigning and then removing the 10,000 users, raw, once.
func (b *bench) bulkFloor(ctx context.Context, ids []int64) (assign, remove time.Duration, err error) {
	pid := b.syn.Purchase.ID
	if assign, err = b.runFloor(ctx, "bulk_assign_10k", pid, ids); err != nil {
		return 0, 0, err
	}
	if remove, err = b.runFloor(ctx, "bulk_remove_10k", pid, ids); err != nil {
		return 0, 0, err
	}
	return assign, remove, b.forgetFloorWrites(ctx)
}

// reconcileFloor: removing the seats of the users the overage order would
// remove (the removed most recently assigned: 40,000 at the default size;
// the raw run does not need the order, only the same rows), raw, once,
// from restored seats.
func (b *bench) reconcileFloor(ctx context.Context, removed int) (time.Duration, error) {
	pid := b.syn.Purchase.ID
	if err := b.resetSeats(ctx); err != nil {
		return 0, err
	}
	if err := b.forgetFloorWrites(ctx); err != nil {
		return 0, err
	}
	users, err := b.int64s(ctx, `SELECT user_id FROM seat_assignments WHERE add_on_purchase_id = $1 ORDER BY id DESC LIMIT $2`, pid, removed)
	if err != nil {
		return 0, err
	}
	return b.runFloor(ctx, "reconcile_overage", pid, users)
}

func (b *bench) int64s(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := b.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
