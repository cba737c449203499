package models

import (
	"context"
	"fmt"
)

// Usage insights: the figures of a purchase's Usage tab. Daily series come
// from the snapshots (usage_snapshots.go); the rest is read live from the
// seats and their holders' last GitLab Duo activity.

// UsageWindowDays is how far back the daily charts go.
const UsageWindowDays = 90

// ActiveWithinDays is when a seat counts as active in the per-group table.
const ActiveWithinDays = 30

// UsageWindow is the days the daily charts cover: the last 90 days, but
// not before the purchase started (a younger purchase has fewer days).
func UsageWindow(p *AddOnPurchase, today Date) (Date, Date) {
	from := today.AddDays(-(UsageWindowDays - 1))
	start := DateOf(p.CreatedAt)
	if p.StartedAt != nil {
		start = *p.StartedAt
	}
	if from.Before(start) {
		from = start
	}
	if today.Before(from) {
		from = today
	}
	return from, today
}

// IdleBuckets counts seats by the age of their holder's last GitLab Duo use.
type IdleBuckets struct {
	Recent  int64 `json:"used_in_last_30_days"`
	Never   int64 `json:"never_used"`
	Idle30  int64 `json:"idle_30_59_days"`
	Idle60  int64 `json:"idle_60_89_days"`
	Idle90  int64 `json:"idle_90_days_or_more"`
	Holders int64 `json:"assigned"`
}

// SeatActivity is the live figures: assigned seats, how many were used in
// the last 7 and 28 days, and the idle buckets.
type SeatActivity struct {
	Assigned int64
	Active7  int64
	Active28 int64
	Idle     IdleBuckets
}

// SeatActivity reads the figures in one pass over the purchase's seats.
func (s *Store) SeatActivity(ctx context.Context, purchaseID int64, today Date) (SeatActivity, error) {
	var r struct {
		Assigned, Active7, Active28, Recent, Never, Idle30, Idle60, Idle90 int64
	}
	d := func(n int) Date { return today.AddDays(-n) }
	err := s.q(ctx).Raw(`SELECT count(*) AS assigned,
			COALESCE(SUM(CASE WHEN u.last_duo_activity_on >= ? THEN 1 ELSE 0 END), 0) AS active7,
			COALESCE(SUM(CASE WHEN u.last_duo_activity_on >= ? THEN 1 ELSE 0 END), 0) AS active28,
			COALESCE(SUM(CASE WHEN u.last_duo_activity_on > ? THEN 1 ELSE 0 END), 0) AS recent,
			COALESCE(SUM(CASE WHEN u.last_duo_activity_on IS NULL THEN 1 ELSE 0 END), 0) AS never,
			COALESCE(SUM(CASE WHEN u.last_duo_activity_on <= ? AND u.last_duo_activity_on > ? THEN 1 ELSE 0 END), 0) AS idle30,
			COALESCE(SUM(CASE WHEN u.last_duo_activity_on <= ? AND u.last_duo_activity_on > ? THEN 1 ELSE 0 END), 0) AS idle60,
			COALESCE(SUM(CASE WHEN u.last_duo_activity_on <= ? THEN 1 ELSE 0 END), 0) AS idle90
		FROM seat_assignments sa JOIN users u ON u.id = sa.user_id WHERE sa.add_on_purchase_id = ?`,
		d(6), d(27), d(30), d(30), d(60), d(60), d(90), d(90), purchaseID).Scan(&r).Error
	return SeatActivity{Assigned: r.Assigned, Active7: r.Active7, Active28: r.Active28,
		Idle: IdleBuckets{Recent: r.Recent, Never: r.Never, Idle30: r.Idle30, Idle60: r.Idle60, Idle90: r.Idle90, Holders: r.Assigned}}, err
}

// GroupUsage is one row of the per-group table: seat holders who are
// members of the group (or below it), and how many used GitLab Duo in the
// last 30 days.
type GroupUsage struct {
	ID       int64
	Name     string
	FullPath string
	Assigned int64
	Active   int64
}

func (g GroupUsage) Idle() int64 { return g.Assigned - g.Active }

// GroupUsageSorts are the per-group table's orders.
var GroupUsageSorts = map[string]string{
	"name":     "g.full_path ASC",
	"assigned": "assigned DESC, g.full_path ASC",
	"active":   "active DESC, g.full_path ASC",
	"idle":     "(count(DISTINCT sa.user_id) - count(DISTINCT CASE WHEN u.last_duo_activity_on >= ? THEN sa.user_id END)) DESC, g.full_path ASC",
}

// GroupUsagePage lists the groups whose members hold seats of p: on
// GitLab.com the purchase's group's direct subgroups (each counting its
// whole subtree), on self-managed the top-level groups. A group with no
// seat holder is left out. Paginated in SQL.
func (s *Store) GroupUsagePage(ctx context.Context, p *AddOnPurchase, today Date, sort string, page Page) (Paged[GroupUsage], error) {
	page = page.normalized()
	order, ok := GroupUsageSorts[sort]
	if !ok {
		order = GroupUsageSorts["assigned"]
	}
	since := today.AddDays(-(ActiveWithinDays - 1))
	var from string
	args := []any{since}
	if p.NamespaceID == nil {
		from = `FROM namespaces g JOIN members m ON m.root_namespace_id = g.id AND NOT m.pending
			JOIN seat_assignments sa ON sa.user_id = m.user_id AND sa.add_on_purchase_id = ?
			JOIN users u ON u.id = sa.user_id WHERE g.parent_id IS NULL`
		args = append(args, p.ID)
	} else {
		// '0' is the byte after '/': [tp, tp-without-slash + '0') is the subtree.
		from = `FROM namespaces g JOIN namespaces d ON d.traversal_path >= g.traversal_path
				AND d.traversal_path < substr(g.traversal_path, 1, length(g.traversal_path) - 1) || '0'
			JOIN members m ON NOT m.pending AND ((m.source_type = 'Namespace' AND m.source_id = d.id)
				OR (m.source_type = 'Project' AND m.source_id IN (SELECT pr.id FROM projects pr WHERE pr.namespace_id = d.id)))
			JOIN seat_assignments sa ON sa.user_id = m.user_id AND sa.add_on_purchase_id = ?
			JOIN users u ON u.id = sa.user_id WHERE g.parent_id = ?`
		args = append(args, p.ID, *p.NamespaceID)
	}
	out := Paged[GroupUsage]{Items: []GroupUsage{}, Page: page.Number, PerPage: page.PerPage}
	if err := s.q(ctx).Raw(`SELECT count(*) FROM (SELECT g.id `+from+` GROUP BY g.id) AS x`, args[1:]...).Scan(&out.Total).Error; err != nil {
		return out, err
	}
	q := `SELECT g.id, g.name, g.full_path, count(DISTINCT sa.user_id) AS assigned,
			count(DISTINCT CASE WHEN u.last_duo_activity_on >= ? THEN sa.user_id END) AS active ` + from +
		` GROUP BY g.id, g.name, g.full_path ORDER BY ` + order + fmt.Sprintf(" LIMIT %d OFFSET %d", page.PerPage, page.Offset())
	if sort == "idle" {
		args = append(args, since)
	}
	err := s.q(ctx).Raw(q, args...).Scan(&out.Items).Error
	return out, err
}
