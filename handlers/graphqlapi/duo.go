package graphqlapi

import (
	"context"
	"errors"

	"duoadmin/models"
	"duoadmin/models/access"
)

// currentUser, project, group and projectSettingsUpdate: GitLab Duo's
// availability as the access decision and the settings screens decide it.

func (r *Resolver) currentUser(ctx context.Context) *CurrentUser {
	v := viewerOf(ctx)
	return &CurrentUser{ID: UserID(v.ID), Username: v.Username, Name: v.Name, user: v}
}

// ideAvailable is GET /api/v4/user/duo's answer for one feature: may the
// user use it in the IDE, with no particular project.
func (r *Resolver) ideAvailable(ctx context.Context, u *models.User, feature string) (bool, error) {
	facts, err := r.Store.AccessFacts(ctx, r.Deployment, u, models.ResourceRef{Kind: access.ResourceNone})
	if err != nil {
		return false, err
	}
	f, _ := access.FeatureByID(feature)
	return access.Decide(facts, f, access.ContextIDE).Allowed, nil
}

func (r *Resolver) project(ctx context.Context, path string) (*Project, error) {
	_, visible, err := r.projectFacts(ctx, path)
	if err != nil || !visible {
		return nil, err
	}
	p, err := r.Store.ProjectByFullPath(ctx, path)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return projectOf(p), nil
}

// projectDuoEnabled is the project's effective switch, from the facts
// POST /api/v4/code_suggestions/enabled answers with (403 when false).
func (r *Resolver) projectDuoEnabled(ctx context.Context, p *Project) (*bool, error) {
	facts, visible, err := r.projectFacts(ctx, p.FullPath)
	if err != nil || !visible {
		return nil, err
	}
	v := facts.Resource.DuoEnabled
	return &v, nil
}

func (r *Resolver) group(ctx context.Context, path string) (*Group, error) {
	g, err := r.visibleGroup(ctx, path)
	if err != nil || g == nil {
		return nil, err
	}
	return &Group{ID: GroupID(g.ID), Name: g.Name, FullPath: g.FullPath, group: g}, nil
}

func (r *Resolver) namespace(ctx context.Context, path string) (*Namespace, error) {
	g, err := r.visibleGroup(ctx, path)
	if err != nil || g == nil {
		return nil, err
	}
	return &Namespace{ID: gid(modelGroup, g.ID), Name: g.Name, FullPath: g.FullPath, group: g}, nil
}

// groupDuo is the group's effective value and whether it is locked, by
// itself (Always off) or from above.
func (r *Resolver) groupDuo(ctx context.Context, g *Group) (enabled, locked bool, err error) {
	st, err := r.Store.GroupDuo(ctx, g.group)
	if err != nil {
		return false, false, err
	}
	return st.Resolution.Enabled, st.Resolution.Locked() || st.Resolution.LockedBySelf, nil
}

// projectSettingsUpdate changes a project's GitLab Duo switch, with the
// project edit screen's rule: its owners and admins may, nobody under a
// lock. A refused change is in errors, with GitLab's wording.
func (r *Resolver) projectSettingsUpdate(ctx context.Context, in ProjectSettingsUpdateInput) (*ProjectSettingsUpdatePayload, error) {
	v := viewerOf(ctx)
	_, visible, err := r.projectFacts(ctx, in.FullPath)
	if err != nil {
		return nil, err
	}
	if !visible || v.ReadOnlyEverywhere() {
		return nil, errNotAvailable
	}
	p, err := r.Store.ProjectByFullPath(ctx, in.FullPath)
	if err != nil {
		return nil, notAvailableIfMissing(err)
	}
	if !v.Admin {
		g, err := r.Store.GroupByID(ctx, p.NamespaceID)
		if err != nil {
			return nil, err
		}
		owns, err := r.Store.OwnsProject(ctx, v.ID, p, g)
		if err != nil {
			return nil, err
		}
		if !owns {
			return nil, errNotAvailable
		}
	}
	if in.DuoFeaturesEnabled == nil {
		return nil, public("Must provide at least one argument")
	}
	out := &ProjectSettingsUpdatePayload{ClientMutationID: in.ClientMutationID, Errors: []string{}}
	err = r.Store.SetProjectDuoEnabled(ctx, models.ActorFor(v), p, *in.DuoFeaturesEnabled)
	switch {
	case errors.Is(err, models.ErrLockedByAncestor):
		out.Errors = append(out.Errors, "Duo features enabled "+err.Error())
	case err != nil:
		return nil, err
	}
	st, err := r.Store.ProjectDuo(ctx, p)
	if err != nil {
		return nil, err
	}
	enabled := st.Resolution.Enabled
	out.ProjectSettings = &ProjectSetting{DuoFeaturesEnabled: &enabled, Project: projectOf(p)}
	return out, nil
}

func notAvailableIfMissing(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return errNotAvailable
	}
	return err
}
