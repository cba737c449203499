package graphqlapi

import (
	"context"
	"errors"

	"duoadmin/models"
	"duoadmin/models/access"
)

// Who may read and change what, with the screens' rules: seats are the
// admin area's on self-managed and the top-level group's owners' on
// GitLab.com (admins everywhere), auditors read and never change, and a
// group or project is seen by its members, admins and auditors. What one
// may not see is null, or GitLab's resource-not-available error.

func canSeeAll(v *models.User) bool { return v.Admin || v.Auditor }

// visibleGroup is the group at path when the viewer may see it, else nil.
func (r *Resolver) visibleGroup(ctx context.Context, path string) (*models.Group, error) {
	v := viewerOf(ctx)
	if !canSeeAll(v) {
		member, err := r.Store.MemberOfResource(ctx, v.ID, models.ResourceRef{Kind: access.ResourceGroup, Path: path})
		if err != nil || !member {
			return nil, err
		}
	}
	g, err := r.Store.GroupByFullPath(ctx, path)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return g, err
}

// projectFacts loads the viewer's access facts about the project at path
// and whether it is visible, in the statement POST
// /api/v4/code_suggestions/enabled uses, so the two always agree.
func (r *Resolver) projectFacts(ctx context.Context, path string) (access.Facts, bool, error) {
	v := viewerOf(ctx)
	load := r.Store.AccessFactsAsMember
	if canSeeAll(v) {
		load = r.Store.AccessFacts
	}
	facts, err := load(ctx, r.Deployment, v, models.ResourceRef{Kind: access.ResourceProject, Path: path})
	if errors.Is(err, models.ErrNotFound) {
		return facts, false, nil
	}
	return facts, err == nil, err
}

// seatPurchase is the purchase id names when the viewer may read its
// seats (change them, with write), else GitLab's resource-not-available.
func (r *Resolver) seatPurchase(ctx context.Context, id PurchaseID, write bool) (*models.AddOnPurchase, error) {
	v := viewerOf(ctx)
	p, err := r.Store.PurchaseByID(ctx, int64(id))
	if errors.Is(err, models.ErrNotFound) {
		return nil, errNotAvailable
	}
	if err != nil {
		return nil, err
	}
	if v.Admin || (v.Auditor && !write) {
		return p, nil
	}
	// On self-managed every purchase is the instance's; on GitLab.com
	// one of the instance is the admin area's too.
	if r.Deployment == models.SelfManaged || p.NamespaceID == nil {
		return nil, errNotAvailable
	}
	owns, err := r.ownsGroupID(ctx, *p.NamespaceID)
	if err != nil {
		return nil, err
	}
	if !owns {
		return nil, errNotAvailable
	}
	return p, nil
}

func (r *Resolver) ownsGroupID(ctx context.Context, id int64) (bool, error) {
	g, err := r.Store.GroupByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return r.Store.OwnsGroup(ctx, viewerOf(ctx).ID, g)
}
