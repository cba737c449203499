package models

import (
	"context"
	"slices"
	"strings"
)

// ResourceRef names what a feature is used with.
type ResourceRef struct {
	Kind ResourceKind
	Path string
}

// AccessFacts loads what DecideAccess needs for one user: their seats
// (one query), on GitLab.com their paid top-level groups (two), the
// instance settings (cached for SettingsCacheTTL), and the resource's
// effective setting (two). A resource that does not exist is ErrNotFound.
func (s *Store) AccessFacts(ctx context.Context, d Deployment, u *User, ref ResourceRef) (AccessFacts, error) {
	f := AccessFacts{Deployment: d, User: AccessUser{Username: u.Username, State: u.State, Bot: u.Bot},
		Resource: ResourceFact{Kind: ref.Kind, Path: ref.Path}}
	if f.Resource.Kind == "" {
		f.Resource.Kind = ResourceNone
	}
	seats, seatRoots, err := s.seatFacts(ctx, d, u.ID)
	if err != nil {
		return f, err
	}
	f.Seats = seats
	st, err := s.cachedInstanceSettings(ctx)
	if err != nil {
		return f, err
	}
	if d == GitLabCom {
		if f.PaidGroups, err = s.paidGroupFacts(ctx, u.ID, seatRoots); err != nil {
			return f, err
		}
	} else {
		f.InstanceNeverOn = InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) == NeverOn
		f.InstancePaidPlan = st.Plan.Paid()
		f.InstanceDuoCore = st.DuoCoreFeaturesEnabled
	}
	if ref.Kind == ResourceGroup || ref.Kind == ResourceProject {
		res, path, err := s.resourceResolution(ctx, st, ref)
		if err != nil {
			return f, err
		}
		f.Resource.Path, f.Resource.DuoEnabled, f.Resource.Why = path, res.Enabled, res.SourceLabel()
	}
	return f, nil
}

// resourceResolution resolves a group's or project's effective setting in
// two queries: the resource (with its group's traversal path), then its
// group chain.
func (s *Store) resourceResolution(ctx context.Context, st *InstanceSettings, ref ResourceRef) (DuoResolution, string, error) {
	var self DuoNode
	var chainPath, fullPath string
	if ref.Kind == ResourceProject {
		var row struct {
			Project
			GroupTraversalPath string
		}
		err := s.q(ctx).Table("projects AS p").Joins("JOIN namespaces n ON n.id = p.namespace_id").
			Select("p.*, n.traversal_path AS group_traversal_path").Where("lower(p.full_path) = lower(?)", ref.Path).
			Limit(1).Scan(&row).Error
		if err != nil {
			return DuoResolution{}, "", err
		}
		if row.ID == 0 {
			return DuoResolution{}, "", ErrNotFound
		}
		self, chainPath, fullPath = projectNode(&row.Project), row.GroupTraversalPath, row.FullPath
	} else {
		g, err := s.GroupByFullPath(ctx, ref.Path)
		if err != nil {
			return DuoResolution{}, "", err
		}
		self, fullPath = groupNode(g), g.FullPath
		chainPath = strings.TrimSuffix(g.TraversalPath, itoa(g.ID)+"/")
	}
	ids := parseTraversalPath(chainPath)
	var chain []Group
	if len(ids) > 0 {
		if err := s.q(ctx).Where("id IN ?", ids).Find(&chain).Error; err != nil {
			return DuoResolution{}, "", err
		}
		slices.SortFunc(chain, func(a, b Group) int { return slices.Index(ids, a.ID) - slices.Index(ids, b.ID) })
	}
	return ResolveDuo(instanceNode(st), nodesOf(chain), self), fullPath, nil
}

// seatFacts lists the user's seats of this deployment's purchases, and the
// top-level groups of those purchases.
func (s *Store) seatFacts(ctx context.Context, d Deployment, userID int64) ([]SeatFact, []int64, error) {
	type row struct {
		AddOn       AddOn
		StartedAt   *Date
		ExpiresOn   Date
		NamespaceID *int64
		FullPath    *string
	}
	var rows []row
	q := s.q(ctx).Table("seat_assignments AS sa").Joins("JOIN add_on_purchases p ON p.id = sa.add_on_purchase_id").
		Joins("LEFT JOIN namespaces n ON n.id = p.namespace_id").
		Select("p.add_on, p.started_at, p.expires_on, p.namespace_id, n.full_path").Where("sa.user_id = ?", userID)
	if d == GitLabCom {
		q = q.Where("p.namespace_id IS NOT NULL")
	} else {
		q = q.Where("p.namespace_id IS NULL")
	}
	if err := q.Order("p.id").Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	today := Today()
	var out []SeatFact
	var roots []int64
	for _, r := range rows {
		p := AddOnPurchase{StartedAt: r.StartedAt, ExpiresOn: r.ExpiresOn}
		sf := SeatFact{AddOn: r.AddOn, Active: p.ActiveOn(today), ExpiresOn: r.ExpiresOn}
		if r.FullPath != nil {
			sf.Namespace = *r.FullPath
		}
		if r.NamespaceID != nil {
			roots = append(roots, *r.NamespaceID)
		}
		out = append(out, sf)
	}
	return out, roots, nil
}

// paidGroupFacts: the Premium/Ultimate top-level groups the user is in —
// through any accepted membership below them, or by holding one of their
// seats (seat holders may be members only through an invited group).
func (s *Store) paidGroupFacts(ctx context.Context, userID int64, seatRoots []int64) ([]PaidGroupFact, error) {
	type row struct {
		AccessLevel   AccessLevel
		TraversalPath string
	}
	var rows []row
	err := s.q(ctx).Table("members AS m").
		Joins("LEFT JOIN namespaces g ON m.source_type = ? AND g.id = m.source_id", SourceGroup).
		Joins("LEFT JOIN projects p ON m.source_type = ? AND p.id = m.source_id", SourceProject).
		Joins("LEFT JOIN namespaces pn ON pn.id = p.namespace_id").
		Select("m.access_level, COALESCE(g.traversal_path, pn.traversal_path) AS traversal_path").
		Where("m.user_id = ? AND NOT m.pending", userID).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	best := map[int64]AccessLevel{}
	for _, r := range rows {
		ids := parseTraversalPath(r.TraversalPath)
		if len(ids) > 0 {
			best[ids[0]] = max(best[ids[0]], r.AccessLevel)
		}
	}
	ids := slices.Clone(seatRoots)
	for id := range best {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var roots []Group
	if err := s.q(ctx).Where("id IN ? AND parent_id IS NULL AND plan IN ?", ids, []Plan{PlanPremium, PlanUltimate}).
		Order("lower(full_path)").Find(&roots).Error; err != nil {
		return nil, err
	}
	out := make([]PaidGroupFact, len(roots))
	for i, g := range roots {
		out[i] = PaidGroupFact{Path: g.FullPath, NonGuest: best[g.ID] > Guest, DuoCore: g.DuoCoreFeaturesEnabled}
	}
	return out, nil
}
