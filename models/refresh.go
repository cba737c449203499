package models

import "context"

// The provisioning refresh that no person starts with a preview (the
// 4-hourly refresh job, a subscription sync): its ineligible part goes
// through the mass-removal guard like the ineligible-users job's (one held
// run of kind ineligible for both); its overage keeps GitLab's contract and
// is never held, counting held seats as assigned.

// RefreshPurchase runs the seat refresh of one purchase, as a subscription
// sync does for each of its add-ons: in one transaction with the purchase
// row locked, removing the seats of ineligible users (guarded) and any
// overage.
func (s *Store) RefreshPurchase(ctx context.Context, actor Actor, id int64) error {
	_, _, err := s.RefreshSeatsGuarded(ctx, id)
	return err
}

// RefreshSeatsGuarded is the guarded refresh of one purchase in its own
// transaction: the seats removed, and the run held when the ineligible
// users' seats are more than the guard allows (nil otherwise).
func (s *Store) RefreshSeatsGuarded(ctx context.Context, purchaseID int64) ([]Removal, *SeatSyncRun, error) {
	var out []Removal
	var held *SeatSyncRun
	err := s.Tx(ctx, func(tx *Store) error {
		p, _, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		out, err = tx.refreshWith(ctx, p, func(ctx context.Context, p *AddOnPurchase) ([]Removal, error) {
			rs, run, err := tx.removeIneligibleGuarded(ctx, p, TriggerRefresh)
			held = run
			return rs, err
		}, true)
		return err
	})
	return out, held, err
}
