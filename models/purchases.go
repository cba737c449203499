package models

import (
	"context"
	"errors"
	"strings"
	"time"
)

// AddOnPurchase scoping: on GitLab.com a purchase belongs to a top-level
// group; on self-managed to the instance (no namespace).

func (s *Store) PurchaseByID(ctx context.Context, id int64) (*AddOnPurchase, error) {
	return first[AddOnPurchase](s.q(ctx).Where("id = ?", id))
}

// PurchasesFor lists every purchase of a namespace (nil: the instance),
// expired ones included, Enterprise first.
func (s *Store) PurchasesFor(ctx context.Context, namespaceID *int64) ([]AddOnPurchase, error) {
	var ps []AddOnPurchase
	q := s.q(ctx)
	if namespaceID == nil {
		q = q.Where("namespace_id IS NULL")
	} else {
		q = q.Where("namespace_id = ?", *namespaceID)
	}
	err := q.Order("CASE add_on WHEN 'duo_enterprise' THEN 0 ELSE 1 END, id").Find(&ps).Error
	return ps, err
}

// SeatPurchase is the purchase whose seats a namespace's screens manage:
// Duo Enterprise when it has both, active ones before expired ones.
func (s *Store) SeatPurchase(ctx context.Context, namespaceID *int64) (*AddOnPurchase, error) {
	ps, err := s.PurchasesFor(ctx, namespaceID)
	if err != nil {
		return nil, err
	}
	today := Today()
	for i := range ps {
		if ps[i].ActiveOn(today) {
			return &ps[i], nil
		}
	}
	if len(ps) > 0 {
		return &ps[0], nil
	}
	return nil, ErrNotFound
}

// SeatPurchaseOf is the namespace's purchase of addOn, or SeatPurchase's
// choice when addOn is empty: a namespace with Duo Pro and Duo Enterprise
// manages each one's seats on its own screen.
func (s *Store) SeatPurchaseOf(ctx context.Context, namespaceID *int64, addOn AddOn) (*AddOnPurchase, error) {
	if addOn == "" {
		return s.SeatPurchase(ctx, namespaceID)
	}
	q := s.q(ctx).Where("add_on = ?", addOn)
	if namespaceID == nil {
		q = q.Where("namespace_id IS NULL")
	} else {
		q = q.Where("namespace_id = ?", *namespaceID)
	}
	return first[AddOnPurchase](q)
}

// AssignedCount is the purchase's assigned seats: one row, which the
// database keeps as seats come and go (purchase_seat_counts, migration
// 00032), not a count of its 100,000 seats for every seat change.
func (s *Store) AssignedCount(ctx context.Context, purchaseID int64) (int64, error) {
	var n int64
	err := s.q(ctx).Raw(`SELECT COALESCE(MAX(assigned), 0) FROM purchase_seat_counts WHERE add_on_purchase_id = ?`, purchaseID).
		Scan(&n).Error
	return n, err
}

// HoldersAmong counts the users of ids who hold a seat of the purchase
// (a selection's users that need no new seat), in chunks of IN-list size.
func (s *Store) HoldersAmong(ctx context.Context, purchaseID int64, ids []int64) (int64, error) {
	var total int64
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		var n int64
		if err := s.q(ctx).Model(&SeatAssignment{}).Where("add_on_purchase_id = ? AND user_id IN ?", purchaseID, chunk).
			Count(&n).Error; err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// AssignedCounts maps purchase ids to their number of assigned seats.
func (s *Store) AssignedCounts(ctx context.Context, purchaseIDs []int64) (map[int64]int64, error) {
	type row struct {
		AddOnPurchaseID int64
		N               int64
	}
	var rows []row
	err := s.q(ctx).Table("purchase_seat_counts").Select("add_on_purchase_id, assigned AS n").
		Where("add_on_purchase_id IN ?", append(purchaseIDs, 0)).Scan(&rows).Error
	out := map[int64]int64{}
	for _, r := range rows {
		if r.N != 0 {
			out[r.AddOnPurchaseID] = r.N
		}
	}
	return out, err
}

// PurchaseInput is what provisioning, trials and imports set.
type PurchaseInput struct {
	AddOn       AddOn
	NamespaceID *int64
	Quantity    int
	StartedAt   *Date
	ExpiresOn   Date
	Trial       bool
	PurchaseXID string
}

// ErrWrongNamespace: a purchase's owner does not fit the deployment.
var (
	ErrPurchaseNeedsRoot = errors.New("must be a top-level group")
)

// ValidatePurchase checks a purchase against its namespace's plan and the
// deployment's rule for who owns purchases.
func (s *Store) ValidatePurchase(ctx context.Context, d Deployment, in PurchaseInput) FieldErrors {
	errs := FieldErrors{}
	if !in.AddOn.Valid() {
		errs.Add("add_on", "must be duo_pro or duo_enterprise")
	}
	if in.Quantity < 1 {
		errs.Add("quantity", "must be a whole number of at least 1")
	}
	if len(in.PurchaseXID) > 255 {
		errs.Add("purchase_xid", "is too long (maximum is 255 characters)")
	}
	if in.ExpiresOn.IsZero() {
		errs.Add("expires_on", "can't be blank")
	} else if in.StartedAt != nil && !in.StartedAt.Before(in.ExpiresOn) {
		errs.Add("expires_on", "must be after the start date")
	}
	plan, owner := PlanFree, InstanceOwner
	switch {
	case d == GitLabCom && in.NamespaceID == nil:
		errs.Add("namespace", "must be a top-level group on GitLab.com")
	case d == GitLabCom:
		g, err := s.GroupByID(ctx, *in.NamespaceID)
		if err != nil {
			errs.Add("namespace", "does not exist")
		} else if !g.TopLevel() {
			errs.Add("namespace", ErrPurchaseNeedsRoot.Error())
		} else {
			plan, owner = g.Plan, g.FullPath
		}
	case in.NamespaceID != nil:
		errs.Add("namespace", "must be empty on self-managed: purchases belong to the instance")
	default:
		st, err := s.InstanceSettings(ctx)
		if err == nil {
			plan = st.Plan
		}
	}
	if errs["namespace"] == "" && in.AddOn.Valid() {
		if refusal := CheckAddOnPlan(in.AddOn, owner, plan); refusal != nil {
			errs.Add("add_on", refusal.Error())
		}
	}
	return errs
}

// CreatePurchase records a new add-on purchase (provisioning, trials, import).
func (s *Store) CreatePurchase(ctx context.Context, actor Actor, d Deployment, in PurchaseInput) (*AddOnPurchase, error) {
	in.PurchaseXID = strings.TrimSpace(in.PurchaseXID)
	p := &AddOnPurchase{AddOn: in.AddOn, NamespaceID: in.NamespaceID, Quantity: in.Quantity, StartedAt: in.StartedAt,
		ExpiresOn: in.ExpiresOn, Trial: in.Trial, PurchaseXID: in.PurchaseXID}
	err := s.Tx(ctx, func(tx *Store) error {
		// Validated in the transaction: the plan read is the one it commits with.
		if errs := tx.ValidatePurchase(ctx, d, in); len(errs) > 0 {
			return errs
		}
		var n int64
		q := tx.q(ctx).Model(&AddOnPurchase{}).Where("add_on = ?", in.AddOn)
		if in.NamespaceID == nil {
			q = q.Where("namespace_id IS NULL")
		} else {
			q = q.Where("namespace_id = ?", *in.NamespaceID)
		}
		if err := q.Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return FieldErrors{"add_on": "has already been purchased for this namespace"}
		}
		if err := tx.q(ctx).Create(p).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "add_on_purchase_created", TargetType: "AddOnPurchase",
			TargetID: p.ID, TargetName: string(p.AddOn), NamespaceID: p.NamespaceID, Details: map[string]any{
				"add_on": p.AddOn, "quantity": p.Quantity, "expires_on": p.ExpiresOn.String(), "trial": p.Trial,
				"purchase_xid": p.PurchaseXID}})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// PurchaseUpdate changes quantity and dates; nil fields stay.
type PurchaseUpdate struct {
	Quantity  *int
	StartedAt *Date
	ExpiresOn *Date
}

// UpdatePurchase applies a renewal, a seat change or a sync, then runs the
// refresh hooks (seat clean-up) in the same transaction.
func (s *Store) UpdatePurchase(ctx context.Context, actor Actor, id int64, up PurchaseUpdate) (*AddOnPurchase, error) {
	var out *AddOnPurchase
	err := s.Tx(ctx, func(tx *Store) error {
		p, err := first[AddOnPurchase](tx.forUpdate(ctx).Where("id = ?", id))
		if err != nil {
			return err
		}
		before := *p
		if up.Quantity != nil {
			if *up.Quantity < 1 {
				return FieldErrors{"quantity": "must be a whole number of at least 1"}
			}
			p.Quantity = *up.Quantity
		}
		if up.StartedAt != nil {
			p.StartedAt = up.StartedAt
		}
		if up.ExpiresOn != nil {
			p.ExpiresOn = *up.ExpiresOn
		}
		if p.StartedAt != nil && !p.StartedAt.Before(p.ExpiresOn) {
			return FieldErrors{"expires_on": "must be after the start date"}
		}
		out = p
		if p.Quantity == before.Quantity && p.ExpiresOn.String() == before.ExpiresOn.String() && SameDatePtr(p.StartedAt, before.StartedAt) {
			return nil
		}
		p.UpdatedAt = time.Now().UTC()
		if err := tx.q(ctx).Model(p).Select("quantity", "started_at", "expires_on", "updated_at").Updates(p).Error; err != nil {
			return err
		}
		details := map[string]any{}
		if p.Quantity != before.Quantity {
			details["quantity"] = change(before.Quantity, p.Quantity)
		}
		if p.ExpiresOn.String() != before.ExpiresOn.String() {
			details["expires_on"] = change(before.ExpiresOn.String(), p.ExpiresOn.String())
		}
		if !SameDatePtr(p.StartedAt, before.StartedAt) {
			details["started_at"] = change(datePtrString(before.StartedAt), datePtrString(p.StartedAt))
		}
		if err := tx.Audit(ctx, actor, AuditEntry{Action: "add_on_purchase_updated", TargetType: "AddOnPurchase",
			TargetID: p.ID, TargetName: string(p.AddOn), NamespaceID: p.NamespaceID, Details: details}); err != nil {
			return err
		}
		// A lower quantity or an earlier end removes seats at once, in the
		// same transaction (GitLab's refresh worker). The removals are told
		// (mail, audit, the owners' summary), not answered, so the refresh
		// need not read them all back (refreshWith).
		_, err = tx.refreshWith(ctx, p, tx.removeIneligible, false)
		return err
	})
	return out, err
}

// SameDatePtr: both nil, or the same day.
func SameDatePtr(a, b *Date) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.String() == b.String()
}

func datePtrString(d *Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}
