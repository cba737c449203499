package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"duoadmin/models"
	"duoadmin/models/seed"
)

// bulk: 10,000 usernames assigned and then removed through the API as the
// group owner, against a raw multi-row INSERT and DELETE of 10,000 rows.
func (b *bench) bulk(ctx context.Context) ([]Result, error) {
	pid := b.syn.Purchase.ID
	// NOT EXISTS, not NOT IN: at 1,000,000 users the 500,000 seats outgrow
	// work_mem and NOT IN's list was scanned once per user.
	rows, err := b.db.QueryContext(ctx, `SELECT u.id, u.username FROM users u
		WHERE u.username LIKE $1 AND NOT EXISTS (SELECT 1 FROM seat_assignments sa WHERE sa.add_on_purchase_id = $2 AND sa.user_id = u.id)
		ORDER BY u.id LIMIT 10000`, seed.SyntheticUserPrefix+"%", pid)
	if err != nil {
		return nil, err
	}
	var ids []int64
	var names []string
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, err
		}
		ids, names = append(ids, id), append(names, name)
	}
	rows.Close()
	if len(ids) != 10000 {
		return nil, fmt.Errorf("bulk: found %d users without a seat, want 10000", len(ids))
	}
	body, err := json.Marshal(map[string]any{"usernames": names})
	if err != nil {
		return nil, err
	}
	path := fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", pid)
	call := func(method string) error { return b.ownerCall(ctx, method, b.baseURL+path, body) }
	// Product and floor take turns (who goes first alternates too), so a
	// change in the machine's load falls on both sides alike.
	var assign, remove, baseIns, baseDel []time.Duration
	for i := range b.cfg.iterations {
		for k := range 2 {
			if (i+k)%2 == 1 {
				a, r, err := b.bulkFloor(ctx, ids)
				if err != nil {
					return nil, err
				}
				baseIns, baseDel = append(baseIns, a), append(baseDel, r)
				continue
			}
			a, err := timed(1, nil, func() error { return call(http.MethodPost) })
			if err != nil {
				return nil, err
			}
			r, err := timed(1, nil, func() error { return call(http.MethodDelete) })
			if err != nil {
				return nil, err
			}
			assign, remove = append(assign, a...), append(remove, r...)
		}
	}
	for _, d := range [][]time.Duration{assign, remove, baseIns, baseDel} {
		sortDurations(d)
	}
	size := "10,000 usernames, 50,000 already assigned"
	return []Result{ratioResult("bulk_assign_10k", size, assign, baseIns), ratioResult("bulk_remove_10k", size, remove, baseDel)}, nil
}

// cascade: "Always off" on the top-level group, reset over every
// subgroup and project; "On by default" runs before each run, untimed.
// The baseline is the same rows rewritten by three raw UPDATEs.
func (b *bench) cascade(ctx context.Context) ([]Result, error) {
	root := b.syn.Root
	lo, hi := b.syn.SubtreeBounds()
	set := func(a models.Availability) error {
		impact, err := b.store.SetGroupDuoAvailability(ctx, b.actor, root, a)
		if err == nil && impact.Projects != b.syn.Projects {
			err = fmt.Errorf("cascade %s reset %d projects, want %d", a, impact.Projects, b.syn.Projects)
		}
		return err
	}
	raw := func(enabled, locked bool) error {
		tx, err := b.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE namespaces SET duo_features_enabled = $1, lock_duo_features_enabled = $2, updated_at = now() WHERE id = $3`, []any{enabled, locked, root.ID}},
			{`UPDATE namespaces SET duo_features_enabled = $1, lock_duo_features_enabled = false, updated_at = now() WHERE traversal_path > $2 AND traversal_path < $3`, []any{enabled, lo, hi}},
			{`UPDATE projects SET duo_features_enabled = $1, updated_at = now() WHERE namespace_id IN (SELECT id FROM namespaces WHERE traversal_path >= $2 AND traversal_path < $3)`, []any{enabled, lo, hi}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return tx.Commit()
	}
	// Product and baseline take turns, each from "On by default" (set
	// through the Store, untimed) and vacuumed: each run rewrites every
	// group and project, and left to autovacuum the dead rows piled up (36
	// million in projects at 1,000,000 users after a growth run), so later
	// runs, and the scenarios after this one, read through them.
	reset := func() error {
		if _, err := b.store.SetGroupDuoAvailability(ctx, b.actor, root, models.DefaultOn); err != nil {
			return err
		}
		return b.vacuum(ctx, "namespaces", "projects")
	}
	got, base, err := alternate(b.cfg.iterations, reset,
		func() error { return set(models.NeverOn) }, func() error { return raw(false, true) })
	if err != nil {
		return nil, err
	}
	if err := reset(); err != nil {
		return nil, err
	}
	return []Result{ratioResult("cascade_never_on", fmt.Sprintf("%d subgroups, %d projects", b.syn.Groups, b.syn.Projects), got, base)}, nil
}

// reconcile: the quantity cut from 60,000 to 10,000 with 50,000 assigned
// (Store.UpdatePurchase removes 40,000 seats with their ledger rows, one
// audit event and the mail), against its floor (floors.go). Seats are
// restored between runs, untimed.
func (b *bench) reconcile(ctx context.Context) ([]Result, error) {
	pid := b.syn.Purchase.ID
	// 60,000 -> 10,000 at the default size; in proportion at the others.
	quantity := b.size.Seats / 6
	removed := b.size.Assigned - quantity
	product := func() (time.Duration, error) {
		d, err := timed(1, func() error { return b.resetSeats(ctx) }, func() error {
			_, err := b.store.UpdatePurchase(ctx, b.actor, pid, models.PurchaseUpdate{Quantity: &quantity})
			return err
		})
		if err != nil {
			return 0, err
		}
		n, err := b.store.AssignedCount(ctx, pid)
		if err == nil && n != int64(quantity) {
			err = fmt.Errorf("reconcile_overage left %d seats, want %d", n, quantity)
		}
		return d[0], err
	}
	// Product and floor take turns, as in bulk.
	var got, base []time.Duration
	for i := range b.cfg.iterations {
		for k := range 2 {
			run, out := product, &got
			if (i+k)%2 == 1 {
				run, out = func() (time.Duration, error) { return b.reconcileFloor(ctx, removed) }, &base
			}
			d, err := run()
			if err != nil {
				return nil, err
			}
			*out = append(*out, d)
		}
	}
	sortDurations(got)
	sortDurations(base)
	if err := b.forgetFloorWrites(ctx); err != nil {
		return nil, err
	}
	if err := b.resetSeats(ctx); err != nil {
		return nil, err
	}
	return []Result{ratioResult("reconcile_overage", fmt.Sprintf("%d -> %d seats, %d assigned (%d removed)", b.size.Seats, quantity, b.size.Assigned, removed), got, base)}, nil
}
