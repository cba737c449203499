package models

import "context"

// InstanceConfiguration is everything the instance's GitLab Duo
// configuration form saves at once: the availability (when the form
// changes it), Duo Core (when offered) and the AI settings.
type InstanceConfiguration struct {
	Availability *Availability
	DuoCore      *bool
	AI           InstanceAIInput
}

// SaveInstanceConfiguration saves the form as one change: either all of it
// is written, each part with its audit event, or none of it. The
// availability goes first because Always off forces experiment features
// off, which the AI settings then see.
func (s *Store) SaveInstanceConfiguration(ctx context.Context, actor Actor, c InstanceConfiguration) error {
	return s.Tx(ctx, func(tx *Store) error {
		if c.Availability != nil {
			if _, err := tx.SetInstanceDuoAvailability(ctx, actor, *c.Availability); err != nil {
				return err
			}
		}
		if c.DuoCore != nil {
			if err := tx.SetInstanceDuoCore(ctx, actor, *c.DuoCore); err != nil {
				return err
			}
		}
		return tx.SaveInstanceAISettings(ctx, actor, c.AI)
	})
}
