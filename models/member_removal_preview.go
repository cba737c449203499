package models

import (
	"context"
	"errors"
)

// errPreviewDone rolls back a preview's transaction.
var errPreviewDone = errors.New("preview: roll back")

// SeatsLostByRemoval is what removing the membership would cost its user:
// the add-ons whose seat they would lose (on GitLab.com, leaving the
// top-level group's hierarchy). It runs the removal's own seat rule in a
// transaction that is rolled back, so the answer is the removal's, and
// nothing is written.
func (s *Store) SeatsLostByRemoval(ctx context.Context, src Source, memberID int64) ([]AddOn, error) {
	var lost []AddOn
	err := s.Tx(ctx, func(tx *Store) error {
		m, err := tx.MemberByID(ctx, src, memberID)
		if err != nil {
			return err
		}
		root := src.RootID
		ps, err := tx.purchasesHeldBy(ctx, m.UserID, &root)
		if err != nil || len(ps) == 0 {
			if err == nil {
				err = errPreviewDone
			}
			return err
		}
		if err := tx.q(ctx).Delete(m).Error; err != nil {
			return err
		}
		for i := range ps {
			ok, err := tx.IsEligible(ctx, &ps[i], m.UserID)
			if err != nil {
				return err
			}
			if !ok {
				lost = append(lost, ps[i].AddOn)
			}
		}
		return errPreviewDone
	})
	if errors.Is(err, errPreviewDone) {
		return lost, nil
	}
	return nil, err
}
