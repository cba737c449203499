package graphqlapi

import (
	"context"
	"errors"

	"duoadmin/models"
)

// addOnPurchases, the eligible-user lists and the four assignment
// mutations. Seat errors are GitLab's codes in the payload's errors, with
// its other fields null; what the viewer may not do, or a purchase that is
// not active, is GitLab's resource-not-available error.

func (r *Resolver) addOnPurchases(ctx context.Context, namespaceID *NamespaceID) ([]AddOnPurchase, error) {
	v := viewerOf(ctx)
	var nsID *int64
	switch {
	case namespaceID != nil:
		id := int64(*namespaceID)
		nsID = &id
		if canSeeAll(v) {
			break
		}
		owns, err := r.ownsGroupID(ctx, id)
		if err != nil {
			return nil, err
		}
		// On self-managed a purchase is the instance's whatever it names.
		if !owns || r.Deployment == models.SelfManaged {
			return nil, errNotAvailable
		}
	case r.Deployment == models.GitLabCom || !canSeeAll(v):
		// GitLab.com has no instance purchases to list.
		return nil, errNotAvailable
	}
	ps, err := r.Store.PurchasesFor(ctx, nsID)
	if err != nil {
		return nil, err
	}
	today := models.Today()
	var ids []int64
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	counts, err := r.Store.AssignedCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []AddOnPurchase{}
	for _, p := range ps {
		if p.ActiveOn(today) {
			out = append(out, *purchaseOf(p, counts[p.ID]))
		}
	}
	return out, nil
}

// eligiblePurchase is the purchase whose seats a user list shows: the
// first of addOnPurchaseIds, as in GitLab.
func (r *Resolver) eligiblePurchase(ctx context.Context, a eligibleArgs) (*models.AddOnPurchase, error) {
	if len(a.purchaseIDs) == 0 {
		return nil, errNotAvailable
	}
	return r.seatPurchase(ctx, a.purchaseIDs[0], false)
}

// namespaceEligibleUsers is Namespace.addOnEligibleUsers: a top-level
// group's purchase, on GitLab.com.
func (r *Resolver) namespaceEligibleUsers(ctx context.Context, g *models.Group, a eligibleArgs) (*AddOnUserConnection, error) {
	if !g.TopLevel() {
		return nil, public("Add on eligible users can only be queried on a root namespace")
	}
	p, err := r.eligiblePurchase(ctx, a)
	if err != nil {
		return nil, err
	}
	if p.NamespaceID == nil || *p.NamespaceID != g.ID || r.Deployment != models.GitLabCom {
		return nil, errNotAvailable
	}
	return r.eligibleUsers(ctx, p, a)
}

// selfManagedEligibleUsers is Query.selfManagedAddOnEligibleUsers: the
// instance's purchase, for its administrators (auditors read).
func (r *Resolver) selfManagedEligibleUsers(ctx context.Context, a eligibleArgs) (*AddOnUserConnection, error) {
	if r.Deployment != models.SelfManaged || !canSeeAll(viewerOf(ctx)) {
		return nil, errNotAvailable
	}
	p, err := r.eligiblePurchase(ctx, a)
	if err != nil {
		return nil, err
	}
	return r.eligibleUsers(ctx, p, a)
}

func seatActor(ctx context.Context) models.Actor {
	return models.ActorFor(viewerOf(ctx)).WithSeatReason(models.SeatReasonAPI)
}

// seatCode is the GitLab code of a seat refusal, "" for other errors. A
// purchase that is not active is not available, as in GitLab.
func seatCode(err error) (string, error) {
	var se *models.SeatError
	if !errors.As(err, &se) {
		return "", err
	}
	if se.Code == models.PurchaseNotActive {
		return "", errNotAvailable
	}
	return se.Code, nil
}

// purchaseAfter is the purchase as the change left it.
func (r *Resolver) purchaseAfter(ctx context.Context, p *models.AddOnPurchase) (*AddOnPurchase, error) {
	n, err := r.Store.AssignedCount(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return purchaseOf(*p, n), nil
}

// seatTarget checks a single mutation's purchase and user.
func (r *Resolver) seatTarget(ctx context.Context, pid PurchaseID, uid UserID, assign bool) (*models.AddOnPurchase, *models.User, error) {
	p, err := r.seatPurchase(ctx, pid, true)
	if err != nil {
		return nil, nil, err
	}
	if assign && !p.ActiveOn(models.Today()) {
		return nil, nil, errNotAvailable
	}
	u, err := r.Store.UserByID(ctx, int64(uid))
	if err != nil {
		return nil, nil, notAvailableIfMissing(err)
	}
	return p, u, nil
}

func (r *Resolver) assignmentCreate(ctx context.Context, in UserAddOnAssignmentCreateInput) (*UserAddOnAssignmentCreatePayload, error) {
	p, u, err := r.seatTarget(ctx, in.AddOnPurchaseID, in.UserID, true)
	if err != nil {
		return nil, err
	}
	out := &UserAddOnAssignmentCreatePayload{ClientMutationID: in.ClientMutationID, Errors: []string{}}
	_, err = r.Store.AssignSeat(ctx, seatActor(ctx), p.ID, u.ID)
	if code, err := seatCode(err); err != nil || code != "" {
		out.Errors = append(out.Errors, code)
		return out, err
	}
	if out.AddOnPurchase, err = r.purchaseAfter(ctx, p); err != nil {
		return nil, err
	}
	out.User = addOnUserOf(*u, nil)
	return out, nil
}

// assignmentRemove: removing a seat the user does not hold answers null,
// as GitLab's mutation does.
func (r *Resolver) assignmentRemove(ctx context.Context, in UserAddOnAssignmentRemoveInput) (*UserAddOnAssignmentRemovePayload, error) {
	p, u, err := r.seatTarget(ctx, in.AddOnPurchaseID, in.UserID, false)
	if err != nil {
		return nil, err
	}
	change, err := r.Store.UnassignSeat(ctx, seatActor(ctx), p.ID, u.ID)
	if err != nil {
		return nil, err
	}
	if len(change.Changed) == 0 {
		return nil, nil
	}
	out := &UserAddOnAssignmentRemovePayload{ClientMutationID: in.ClientMutationID, Errors: []string{}, User: addOnUserOf(*u, nil)}
	if out.AddOnPurchase, err = r.purchaseAfter(ctx, p); err != nil {
		return nil, err
	}
	return out, nil
}

// bulkTarget checks a bulk mutation's purchase and that users are named.
func (r *Resolver) bulkTarget(ctx context.Context, pid PurchaseID, userIDs []UserID, assign bool) (*models.AddOnPurchase, []int64, error) {
	p, err := r.seatPurchase(ctx, pid, true)
	if err != nil {
		return nil, nil, err
	}
	if len(userIDs) == 0 || (assign && !p.ActiveOn(models.Today())) {
		return nil, nil, errNotAvailable
	}
	ids := make([]int64, len(userIDs))
	for i, id := range userIDs {
		ids[i] = int64(id)
	}
	return p, ids, nil
}

// bulkPayload fills a bulk payload's purchase and users, or its error code.
func (r *Resolver) bulkPayload(ctx context.Context, p *models.AddOnPurchase, users []models.SeatUser, err error) (*AddOnPurchase, *AddOnUserConnection, []string, error) {
	if code, err := seatCode(err); err != nil || code != "" {
		return nil, nil, []string{code}, err
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	conn, err := r.usersConnection(ctx, ids)
	if err != nil {
		return nil, nil, nil, err
	}
	ap, err := r.purchaseAfter(ctx, p)
	return ap, conn, []string{}, err
}

func (r *Resolver) assignmentBulkCreate(ctx context.Context, in UserAddOnAssignmentBulkCreateInput) (*UserAddOnAssignmentBulkCreatePayload, error) {
	p, ids, err := r.bulkTarget(ctx, in.AddOnPurchaseID, in.UserIds, true)
	if err != nil {
		return nil, err
	}
	users, _, err := r.Store.BulkAssignEligibleSeats(ctx, seatActor(ctx), p.ID, ids)
	out := &UserAddOnAssignmentBulkCreatePayload{ClientMutationID: in.ClientMutationID}
	out.AddOnPurchase, out.Users, out.Errors, err = r.bulkPayload(ctx, p, users, err)
	return out, err
}

func (r *Resolver) assignmentBulkRemove(ctx context.Context, in UserAddOnAssignmentBulkRemoveInput) (*UserAddOnAssignmentBulkRemovePayload, error) {
	p, ids, err := r.bulkTarget(ctx, in.AddOnPurchaseID, in.UserIds, false)
	if err != nil {
		return nil, err
	}
	// Users who match nobody are ignored; NO_ASSIGNMENTS_FOUND when none
	// of those named holds a seat. The payload lists those who lost one.
	change, err := r.Store.BulkUnassignSeats(ctx, seatActor(ctx), p.ID, ids)
	users := make([]models.SeatUser, len(change.Changed))
	for i, id := range change.Changed {
		users[i] = models.SeatUser{ID: id}
	}
	out := &UserAddOnAssignmentBulkRemovePayload{ClientMutationID: in.ClientMutationID}
	out.AddOnPurchase, out.Users, out.Errors, err = r.bulkPayload(ctx, p, users, err)
	return out, err
}
