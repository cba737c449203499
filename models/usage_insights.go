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
	"idle":     "c.assigned - c.active DESC, g.full_path ASC",
}

// GroupUsagePage lists the groups whose members hold seats of p: on
// GitLab.com the purchase's group's direct subgroups (each counting its
// whole subtree), on self-managed the top-level groups. A group with no
// seat holder is left out. Paginated in SQL.
//
// Each seat holder's memberships are read once and each is put under its
// group by the traversal path (on GitLab.com the path's first two ids name
// the direct subgroup), then counted per group: one pass over the seats
// and the memberships, whatever the tree's width, and the page carries the
// number of groups, so one statement serves the page.
func (s *Store) GroupUsagePage(ctx context.Context, p *AddOnPurchase, today Date, sort string, page Page) (Paged[GroupUsage], error) {
	page = page.normalized()
	order, ok := GroupUsageSorts[sort]
	if !ok {
		order = GroupUsageSorts["assigned"]
	}
	per, args, err := s.groupUsageHolders(ctx, p, today)
	if err != nil {
		return Paged[GroupUsage]{}, err
	}
	var rows []struct {
		GroupUsage
		Total int64
	}
	// Counted per group first, then the page's groups named: the join to
	// namespaces is one row per group, not one per seat holder.
	err = s.q(ctx).Raw(`WITH per AS (`+per+`),
		counted AS (SELECT group_id, count(*) AS assigned, sum(active) AS active FROM per GROUP BY group_id)
		SELECT g.id, g.name, g.full_path, c.assigned, c.active, count(*) OVER () AS total
		FROM counted c JOIN namespaces g ON g.id = c.group_id
		ORDER BY `+order+fmt.Sprintf(" LIMIT %d OFFSET %d", page.PerPage, page.Offset()), args...).
		Scan(&rows).Error
	out := Paged[GroupUsage]{Items: []GroupUsage{}, Page: page.Number, PerPage: page.PerPage}
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		out.Items = append(out.Items, r.GroupUsage)
		out.Total = r.Total
	}
	if len(rows) == 0 && page.Number > 1 {
		// Past the last page: the total still tells the pager where it ends.
		err = s.q(ctx).Raw(`SELECT count(DISTINCT group_id) FROM (`+per+`) AS per`, args...).Scan(&out.Total).Error
	}
	return out, err
}

// groupUsageHolders is a statement of (group_id, user_id, active) rows:
// each seat holder once under each group of the table they are a member
// of (or of something below it), active 1 when they used GitLab Duo in the
// last ActiveWithinDays days.
func (s *Store) groupUsageHolders(ctx context.Context, p *AddOnPurchase, today Date) (string, []any, error) {
	since := today.AddDays(-(ActiveWithinDays - 1))
	holders := `SELECT sa.user_id, CASE WHEN u.last_duo_activity_on >= ? THEN 1 ELSE 0 END AS active
		FROM seat_assignments sa JOIN users u ON u.id = sa.user_id WHERE sa.add_on_purchase_id = ?`
	if p.NamespaceID == nil {
		return `SELECT DISTINCT m.root_namespace_id AS group_id, h.user_id, h.active
			FROM (` + holders + `) AS h JOIN members m ON m.user_id = h.user_id AND NOT m.pending
			WHERE m.root_namespace_id IS NOT NULL`, []any{since, p.ID}, nil
	}
	root, err := s.GroupByID(ctx, *p.NamespaceID)
	if err != nil {
		return "", nil, err
	}
	// A traversal path is the ids from the top down, so the direct
	// subgroup is the id that follows the root's path; memberships of the
	// root itself have none and are left out. Read from the path, not
	// joined to namespaces by it: the planner cannot estimate a join on a
	// cut of a string, took it for a few hundred rows and looked each of a
	// million members' users up one by one (9.5 s at 1,000,000 users).
	n := len(root.TraversalPath)
	rest := "substr(pl.tp, ?)"
	at := "strpos(" + rest + ", '/')"
	if s.dialect != Postgres {
		at = "instr(" + rest + ", '/')"
	}
	return `SELECT DISTINCT CAST(substr(` + rest + `, 1, ` + at + ` - 1) AS bigint) AS group_id, h.user_id, h.active
		FROM (SELECT m.user_id, d.traversal_path AS tp FROM members m JOIN namespaces d ON d.id = m.source_id
				WHERE m.source_type = 'Namespace' AND m.root_namespace_id = ? AND NOT m.pending
			UNION ALL
			SELECT m.user_id, d.traversal_path FROM members m JOIN projects pr ON pr.id = m.source_id JOIN namespaces d ON d.id = pr.namespace_id
				WHERE m.source_type = 'Project' AND m.root_namespace_id = ? AND NOT m.pending) AS pl
		JOIN (` + holders + `) AS h ON h.user_id = pl.user_id
		WHERE length(pl.tp) > ?`,
		[]any{n + 1, n + 1, root.ID, root.ID, since, p.ID, n}, nil
}
