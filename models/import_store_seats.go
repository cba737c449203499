package models

import (
	"context"
	"time"
)

// CreateImportedSubscription inserts sub.
func (s *Store) CreateImportedSubscription(ctx context.Context, sub *Subscription) error {
	return s.q(ctx).Create(sub).Error
}

// SaveImportedSubscription writes the changed columns of sub, stamped now;
// with none it writes nothing and returns false.
func (s *Store) SaveImportedSubscription(ctx context.Context, sub *Subscription, cols []string, now time.Time) (bool, error) {
	return s.saveChanged(ctx, sub, &sub.UpdatedAt, now, cols)
}

// CreateImportedPurchase inserts p.
func (s *Store) CreateImportedPurchase(ctx context.Context, p *AddOnPurchase) error {
	return s.q(ctx).Create(p).Error
}

// SaveImportedPurchase writes the changed columns of p, stamped now; with
// none it writes nothing and returns false.
func (s *Store) SaveImportedPurchase(ctx context.Context, p *AddOnPurchase, cols []string, now time.Time) (bool, error) {
	return s.saveChanged(ctx, p, &p.UpdatedAt, now, cols)
}

// RefreshImportedPurchase runs, in this transaction, the refresh
// UpdatePurchase runs after a change of quantity or dates: users no longer
// eligible, then the overage above a lower quantity, in GitLab's order,
// each seat audited and mailed. It returns the seats removed.
func (s *Store) RefreshImportedPurchase(ctx context.Context, p *AddOnPurchase) ([]Removal, error) {
	return s.refreshInTx(ctx, p)
}

// HeldSeats loads the seats of purchase p held by these users.
func (s *Store) HeldSeats(ctx context.Context, purchaseID int64, userIDs []int64) ([]SeatAssignment, error) {
	var have []SeatAssignment
	err := s.whereIDIn(s.q(ctx).Where("add_on_purchase_id = ?", purchaseID), "user_id", userIDs).Find(&have).Error
	return have, err
}

// EligibleAmong returns those of userIDs eligible for a seat of p.
func (s *Store) EligibleAmong(ctx context.Context, p *AddOnPurchase, userIDs []int64) ([]int64, error) {
	var eligible []int64
	if len(userIDs) == 0 {
		return nil, nil
	}
	err := s.whereIDIn(s.eligibleUsers(ctx, p), "u.id", userIDs).Pluck("u.id", &eligible).Error
	return eligible, err
}

// CreateImportedSeats inserts seats of p with their ledger rows and one
// audit event for the import's seats of p (a bulk action; no email).
func (s *Store) CreateImportedSeats(ctx context.Context, actor Actor, p *AddOnPurchase, created []SeatAssignment, now time.Time) error {
	if len(created) == 0 {
		return nil
	}
	if err := s.q(ctx).CreateInBatches(&created, importChunk/5).Error; err != nil {
		return err
	}
	ids := make([]int64, len(created))
	for i, a := range created {
		ids[i] = a.UserID
	}
	if err := s.auditSeatAction(ctx, actor, "seats_assigned", p, len(ids), map[string]any{"reason": SeatReasonImport}); err != nil {
		return err
	}
	return s.ledgerImported(ctx, actor, p.ID, ids)
}

// MoveImportedSeat sets when a seat was assigned.
func (s *Store) MoveImportedSeat(ctx context.Context, a SeatAssignment, now time.Time) error {
	return s.q(ctx).Model(&SeatAssignment{}).Where("id = ?", a.ID).
		Updates(map[string]any{"created_at": a.CreatedAt, "updated_at": now}).Error
}

// CreateImportedSelfHostedModel inserts m (without an API key).
func (s *Store) CreateImportedSelfHostedModel(ctx context.Context, m *SelfHostedModel) error {
	return s.q(ctx).Create(m).Error
}

// SaveImportedSelfHostedModel writes the changed columns of m, stamped now;
// with none it writes nothing and returns false.
func (s *Store) SaveImportedSelfHostedModel(ctx context.Context, m *SelfHostedModel, cols []string, now time.Time) (bool, error) {
	return s.saveChanged(ctx, m, &m.UpdatedAt, now, cols)
}

// SetImportedFeatureChoice replaces the setting of an AI feature; vendored
// is the default and has no row.
func (s *Store) SetImportedFeatureChoice(ctx context.Context, feature string, want FeatureChoice, now time.Time) error {
	if err := s.q(ctx).Where("feature = ?", feature).Delete(&AIFeatureSetting{}).Error; err != nil {
		return err
	}
	if want.Provider == ProviderVendored {
		return nil
	}
	row := AIFeatureSetting{Feature: feature, Provider: want.Provider, UpdatedAt: now}
	if want.ModelID != 0 {
		row.SelfHostedModelID = new(want.ModelID)
	}
	return s.q(ctx).Create(&row).Error
}

// OrganisationRows is every row an export writes.
type OrganisationRows struct {
	Users         []User // by id
	Groups        []Group
	Projects      []Project
	Members       []Member
	GroupLinks    []GroupGroupLink
	ProjectLinks  []ProjectGroupLink
	Subscriptions []Subscription   // by name
	Purchases     []AddOnPurchase  // by id
	Seats         []SeatAssignment // by id
}

// AllOrganisationRows loads every row an export writes.
func (s *Store) AllOrganisationRows(ctx context.Context) (*OrganisationRows, error) {
	var o OrganisationRows
	for _, q := range []struct {
		order string
		dst   any
	}{{"id", &o.Users}, {"", &o.Groups}, {"", &o.Projects}, {"", &o.Members}, {"", &o.GroupLinks},
		{"", &o.ProjectLinks}, {"name", &o.Subscriptions}, {"id", &o.Purchases}, {"id", &o.Seats}} {
		db := s.q(ctx)
		if q.order != "" {
			db = db.Order(q.order)
		}
		if err := db.Find(q.dst).Error; err != nil {
			return nil, err
		}
	}
	return &o, nil
}
