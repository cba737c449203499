package main

import (
	"context"
	"fmt"

	"duoadmin/models"
)

// reclaimScan: finding the idle seats among the purchase's seats — what the
// Reclaim tab's preview and the daily reclaim job read (Store.ReclaimPreview
// for a 60-day policy with 7 days' notice: the seats idle 37 days or more,
// oldest idleness first) — against the raw query (bench/floors/reclaim_scan.sql).
func (b *bench) reclaimScan(ctx context.Context) ([]Result, error) {
	today := models.Today()
	pol := models.ReclaimPolicy{AddOnPurchaseID: b.syn.Purchase.ID, Enabled: true, IdleDays: 60, NoticeDays: 7}
	cutoff := today.AddDays(models.ReclaimPreviewDays - pol.NoticeDays - pol.IdleDays)
	q, args, err := floorStatement("reclaim_scan.sql", map[string]any{"purchase": b.syn.Purchase.ID, "cutoff": cutoff.String()})
	if err != nil {
		return nil, err
	}
	var found, floorFound int
	product := func() error {
		cs, err := b.store.ReclaimPreview(ctx, b.syn.Purchase, pol, today, models.ReclaimPreviewDays)
		found = len(cs)
		return err
	}
	floor := func() error {
		rows, err := b.db.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("reclaim_scan floor: %w", err)
		}
		floorFound, err = drain(rows)
		return err
	}
	if err := product(); err != nil {
		return nil, err
	}
	if err := floor(); err != nil {
		return nil, err
	}
	if found != floorFound || found == 0 {
		return nil, fmt.Errorf("reclaim_scan: the product finds %d idle seats, the floor %d", found, floorFound)
	}
	got, base, err := alternate(b.cfg.pageRuns, nil, product, floor)
	if err != nil {
		return nil, err
	}
	return []Result{ratioResult("reclaim_scan", fmt.Sprintf("%d idle seats of %d", found, b.size.Assigned), got, base)}, nil
}
