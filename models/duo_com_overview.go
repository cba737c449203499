package models

import "context"

// GroupPurchaseRow is one add-on purchase of a top-level group with its
// group and seat count, for GitLab.com's instance-wide Duo overview.
type GroupPurchaseRow struct {
	AddOnPurchase
	GroupFullPath string
	GroupName     string
	Assigned      int64
}

// ListGroupPurchases is one page of every group's add-on purchases, by
// group path then add-on: one query for the page, one for its seat counts.
func (s *Store) ListGroupPurchases(ctx context.Context, page Page) (Paged[GroupPurchaseRow], error) {
	page = page.normalized()
	out := Paged[GroupPurchaseRow]{Page: page.Number, PerPage: page.PerPage}
	q := s.q(ctx).Table("add_on_purchases").Joins("JOIN namespaces ON namespaces.id = add_on_purchases.namespace_id")
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	type row struct {
		AddOnPurchase
		GroupFullPath string
		GroupName     string
	}
	var rows []row
	err := q.Select("add_on_purchases.*, namespaces.full_path AS group_full_path, namespaces.name AS group_name").
		Order("lower(namespaces.full_path), add_on_purchases.add_on, add_on_purchases.id").
		Offset(page.Offset()).Limit(page.PerPage).Scan(&rows).Error
	if err != nil {
		return out, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	counts, err := s.AssignedCounts(ctx, ids)
	if err != nil {
		return out, err
	}
	out.Items = make([]GroupPurchaseRow, len(rows))
	for i, r := range rows {
		out.Items[i] = GroupPurchaseRow{AddOnPurchase: r.AddOnPurchase, GroupFullPath: r.GroupFullPath,
			GroupName: r.GroupName, Assigned: counts[r.ID]}
	}
	return out, nil
}

// ListAlwaysOffGroups is one page of the groups set to Always off, by path.
func (s *Store) ListAlwaysOffGroups(ctx context.Context, page Page) (Paged[Group], error) {
	page = page.normalized()
	out := Paged[Group]{Page: page.Number, PerPage: page.PerPage}
	q := s.q(ctx).Model(&Group{}).Where("lock_duo_features_enabled = ?", true)
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := q.Order("lower(full_path), id").Offset(page.Offset()).Limit(page.PerPage).Find(&out.Items).Error
	return out, err
}
