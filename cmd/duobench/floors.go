package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The write scenarios' baselines are a bare INSERT or DELETE of the seats.
// The rules ask for more in the same transaction: the API names users, so
// they must be looked up; every seat assigned or removed writes an audit
// event (#8, #5) and, for an assignment or an automatic removal, a mail
// (#4, #5). A "required writes" floor runs just that as raw SQL, so a
// result says both how far the product is from the bare statement and how
// far from the work its rules cannot skip.

const floorActor = "duobench floor"

// forgetScenarioWrites deletes what earlier runs' write scenarios left in
// the bench database — their audit events and mail — so every run starts
// from the same tables. The synthetic seed assigns its seats without
// per-seat events and sends no mail, so those rows are all the bench's.
// (Only here: the product never deletes an audit event.)
func (b *bench) forgetScenarioWrites(ctx context.Context) error {
	for _, q := range []string{
		`DELETE FROM audit_events WHERE action IN ('seat_assigned', 'seat_unassigned') OR actor_name = '` + floorActor + `'`,
		`DELETE FROM email_outbox`,
		`DELETE FROM email_bodies`,
		`VACUUM ANALYZE audit_events, email_outbox, email_bodies`,
	} {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("forget earlier runs' writes: %w", err)
		}
	}
	return nil
}

// forgetFloorWrites removes a floor run's rows (untimed), so they neither
// accumulate nor leave dead tuples for the next timed run.
func (b *bench) forgetFloorWrites(ctx context.Context) error {
	for _, q := range []string{
		`DELETE FROM audit_events WHERE actor_name = '` + floorActor + `'`,
		`DELETE FROM email_outbox WHERE kind = 'duobench_floor'`,
		`VACUUM audit_events, email_outbox`,
	} {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// inTx runs the statements in one committed transaction, as the product's
// one transaction per action.
func (b *bench) inTx(ctx context.Context, stmts ...func(tx *sql.Tx) error) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, st := range stmts {
		if err := st(tx); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func exec(ctx context.Context, q string, args ...any) func(tx *sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
}

// The floor's statements: look the users up by name, and one audit event
// and one mail per user, written from SQL sets as the product does.
const (
	floorResolve = `SELECT id FROM users WHERE lower(username) = ANY($1)`
	floorAudit   = `INSERT INTO audit_events (actor_id, actor_name, action, target_type, target_id, target_name, namespace_id, details, created_at)
		SELECT NULL, '` + floorActor + `', $2, 'User', u.id, u.username, $3, '{"add_on_purchase_id":1,"add_on":"duo_pro","reason":"seat_overage","rank":12345}', now()
		FROM users u WHERE u.id = ANY($1)`
	// floorMail's $2 is the text each row carries: none for a welcome mail,
	// whose body is shared, the personal message for a removal.
	floorMail = `INSERT INTO email_outbox (to_address, subject, text_body, kind, next_attempt_at, created_at)
		SELECT u.email, 'Your GitLab Duo Pro seat was removed', CASE WHEN $2 = '' THEN '' ELSE 'Hello ' || u.name || $2 END,
			'duobench_floor', now(), now() FROM users u WHERE u.id = ANY($1)`
	floorRemovalText = ",\n\nYour GitLab Duo Pro seat was removed because the purchase now has fewer seats than were assigned." +
		"\n\nIf you still need GitLab Duo, ask an owner or administrator to assign you a seat: http://127.0.0.1\n"
)

func (b *bench) resolveFloor(ctx context.Context, names []string) func(tx *sql.Tx) error {
	return func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, floorResolve, names)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		if n != len(names) {
			return fmt.Errorf("floor: resolved %d of %d usernames", n, len(names))
		}
		return rows.Err()
	}
}

// bulkFloors: the required writes of assigning and then removing the
// 10,000 users.
func (b *bench) bulkFloors(ctx context.Context, ids []int64, names []string) (assign, remove []time.Duration, err error) {
	pid, ns := b.syn.Purchase.ID, b.syn.Root.ID
	for range b.cfg.iterations {
		a, err := timed(1, nil, func() error {
			return b.inTx(ctx, b.resolveFloor(ctx, names),
				exec(ctx, `INSERT INTO seat_assignments (add_on_purchase_id, user_id) SELECT $1, unnest($2::bigint[])`, pid, ids),
				exec(ctx, floorAudit, ids, "seat_assigned", ns),
				exec(ctx, floorMail, ids, ""))
		})
		if err != nil {
			return nil, nil, err
		}
		r, err := timed(1, nil, func() error {
			return b.inTx(ctx, b.resolveFloor(ctx, names),
				exec(ctx, `DELETE FROM seat_assignments WHERE add_on_purchase_id = $1 AND user_id = ANY($2)`, pid, ids),
				exec(ctx, floorAudit, ids, "seat_unassigned", ns))
		})
		if err != nil {
			return nil, nil, err
		}
		if err := b.forgetFloorWrites(ctx); err != nil {
			return nil, nil, err
		}
		assign, remove = append(assign, a...), append(remove, r...)
	}
	sortDurations(assign)
	sortDurations(remove)
	return assign, remove, nil
}

// reconcileFloor: the required writes of removing 40,000 seats
// automatically — the DELETE, and an audit event and a mail for each.
func (b *bench) reconcileFloor(ctx context.Context) ([]time.Duration, error) {
	pid, ns := b.syn.Purchase.ID, b.syn.Root.ID
	var seats, users []int64
	out, err := timed(b.cfg.iterations, func() error {
		if err := b.resetSeats(ctx); err != nil {
			return err
		}
		if err := b.forgetFloorWrites(ctx); err != nil {
			return err
		}
		seats, users = seats[:0], users[:0]
		rows, err := b.db.QueryContext(ctx, `SELECT id, user_id FROM seat_assignments WHERE add_on_purchase_id = $1 ORDER BY id LIMIT 40000`, pid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, user int64
			if err := rows.Scan(&id, &user); err != nil {
				return err
			}
			seats, users = append(seats, id), append(users, user)
		}
		return rows.Err()
	}, func() error {
		return b.inTx(ctx,
			exec(ctx, `DELETE FROM seat_assignments WHERE id = ANY($1)`, seats),
			exec(ctx, floorAudit, users, "seat_unassigned", ns),
			exec(ctx, floorMail, users, floorRemovalText))
	})
	if err != nil {
		return nil, err
	}
	return out, b.forgetFloorWrites(ctx)
}

// withFloor adds the required-writes floor to a result.
func withFloor(r Result, floor []time.Duration) Result {
	r.FloorP50ms = ms(percentile(floor, 50))
	if r.FloorP50ms > 0 {
		r.FloorRatio = round2(r.P50ms / r.FloorP50ms)
	}
	return r
}
