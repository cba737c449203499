package models

import "context"

// RefreshHooks re-check a purchase's seats (the automatic-removal issue
// registers its clean-up here). They run in RefreshPurchase's transaction
// with the purchase row locked.
var RefreshHooks []func(ctx context.Context, tx *Store, actor Actor, p *AddOnPurchase) error

// RefreshPurchase runs the seat refresh of one purchase, as a subscription
// sync does for each of its add-ons.
func (s *Store) RefreshPurchase(ctx context.Context, actor Actor, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		p, err := first[AddOnPurchase](tx.forUpdate(ctx).Where("id = ?", id))
		if err != nil {
			return err
		}
		for _, hook := range RefreshHooks {
			if err := hook(ctx, tx, actor, p); err != nil {
				return err
			}
		}
		return nil
	})
}
