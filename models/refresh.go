package models

import "context"

// RefreshPurchase runs the seat refresh of one purchase, as a subscription
// sync does for each of its add-ons: in one transaction with the purchase
// row locked, removing the seats of ineligible users and any overage.
func (s *Store) RefreshPurchase(ctx context.Context, actor Actor, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		p, err := first[AddOnPurchase](tx.forUpdate(ctx).Where("id = ?", id))
		if err != nil {
			return err
		}
		_, err = tx.refreshInTx(ctx, p)
		return err
	})
}
