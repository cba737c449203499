package models

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SeatSorts are the seat table's orders (GitLab's, plus Duo activity).
var SeatSorts = map[string]string{
	"id_asc":                    "u.id ASC",
	"id_desc":                   "u.id DESC", // GraphQL's ID_DESC
	"name_asc":                  "lower(u.name) ASC, u.id ASC",
	"name_desc":                 "lower(u.name) DESC, u.id DESC",
	"last_activity_on_asc":      "u.last_activity_on ASC NULLS FIRST, u.id ASC",
	"last_activity_on_desc":     "u.last_activity_on DESC NULLS LAST, u.id DESC",
	"last_duo_activity_on_asc":  "u.last_duo_activity_on ASC NULLS FIRST, u.id ASC",
	"last_duo_activity_on_desc": "u.last_duo_activity_on DESC NULLS LAST, u.id DESC",
}

const DefaultSeatSort = "id_asc"

// MinSeatSearch is the shortest search the seat table runs.
const MinSeatSearch = 3

type SeatFilter struct {
	Assigned *bool  // nil: everyone eligible
	Search   string // ignored when shorter than MinSeatSearch
	Sort     string // a SeatSorts key; default id_asc
}

// SeatRow is one eligible user in the seat table.
type SeatRow struct {
	User
	AssignedAt *time.Time
	// RuleID is the assignment rule that gave the seat (nil: by hand).
	RuleID  *int64
	MaxRole AccessLevel // 0: no membership
	// Invite is "Group invite" or "Project invite" on GitLab.com when the
	// user is in the hierarchy only through one.
	Invite string
}

func (r SeatRow) Assigned() bool { return r.AssignedAt != nil }

// seatScope is what the seat table's statements share: on GitLab.com the
// links inviting groups into the purchase's hierarchy and the groups whose
// members they bring, looked up once per page.
type seatScope struct {
	invited []int64
	links   []inviteLink
	// bans: the top-level group bans someone. Usually not, and then the
	// page's statements skip an anti-join over every eligible user.
	bans bool
}

func (s *Store) seatScopeOf(ctx context.Context, p *AddOnPurchase) (seatScope, error) {
	if p.NamespaceID == nil {
		return seatScope{}, nil
	}
	var sc seatScope
	var banned int64
	if err := s.q(ctx).Table("namespace_bans").Where("namespace_id = ?", *p.NamespaceID).Limit(1).Count(&banned).Error; err != nil {
		return sc, err
	}
	sc.bans = banned > 0
	links, err := s.inviteLinks(ctx, itoa(*p.NamespaceID)+"/")
	sc.links, sc.invited = links, invitedGroupIDs(links)
	return sc, err
}

// invitedAccess is what a membership of the group at traversalPath gives
// in the hierarchy through the invitations: GitLab caps an invited member
// at the link's access; through several links, the best of them counts.
func (sc seatScope) invitedAccess(traversalPath string, level AccessLevel) AccessLevel {
	best := AccessLevel(0)
	for _, l := range sc.links {
		if strings.HasPrefix(l.TraversalPath, traversalPath) {
			best = max(best, min(level, l.GroupAccess))
		}
	}
	return best
}

// seatQuery is the eligible users of p with their assignment, filtered.
func (s *Store) seatQuery(ctx context.Context, p *AddOnPurchase, sc seatScope, f SeatFilter) *gorm.DB {
	q := s.eligibleAmong(ctx, p, sc.invited, sc.bans, false).
		Joins("LEFT JOIN seat_assignments sa ON sa.user_id = u.id AND sa.add_on_purchase_id = ?", p.ID)
	if f.Assigned != nil {
		if *f.Assigned {
			q = q.Where("sa.user_id IS NOT NULL")
		} else {
			q = q.Where("sa.user_id IS NULL")
		}
	}
	if term := seatSearchTerm(f.Search); len([]rune(term)) >= MinSeatSearch {
		// seat_search_text is the lower-cased username, name and public
		// email, one per line (migration 00011).
		q = q.Where("u.seat_search_text LIKE ? ESCAPE '\\'", "%"+likeEscape(term)+"%")
	}
	return q
}

// reverseOrder reads an ORDER BY of SeatSorts backwards: every ASC a DESC,
// every NULLS FIRST a NULLS LAST, and the other way round.
func reverseOrder(order string) string {
	terms := strings.Split(order, ", ")
	for i, t := range terms {
		words := strings.Fields(t)
		for j, w := range words {
			switch w {
			case "ASC":
				words[j] = "DESC"
			case "DESC":
				words[j] = "ASC"
			case "FIRST":
				words[j] = "LAST"
			case "LAST":
				words[j] = "FIRST"
			}
		}
		terms[i] = strings.Join(words, " ")
	}
	return strings.Join(terms, ", ")
}

// seatSearchTerm is the search as matched: trimmed, lower-cased, and with
// no line breaks, which separate the fields of seat_search_text (a match
// never spans two of them).
func seatSearchTerm(search string) string {
	return strings.ToLower(strings.TrimSpace(strings.NewReplacer("\n", " ", "\r", " ").Replace(search)))
}

func seatOrder(sort string) string {
	if o, ok := SeatSorts[sort]; ok {
		return o
	}
	return SeatSorts[DefaultSeatSort]
}

// SeatTable is one page of the seat table, counted and paginated in SQL.
func (s *Store) SeatTable(ctx context.Context, p *AddOnPurchase, f SeatFilter, page Page) (Paged[SeatRow], error) {
	page = page.normalized()
	return s.SeatTablePage(ctx, p, f, page.Number, page.PerPage)
}

// SeatTableIDs is every user matching the filter: "select all N users".
func (s *Store) SeatTableIDs(ctx context.Context, p *AddOnPurchase, f SeatFilter) ([]int64, error) {
	sc, err := s.seatScopeOf(ctx, p)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.seatQuery(ctx, p, sc, f).Order("u.id").Pluck("u.id", &ids).Error
	return ids, err
}

// EachSeatRow streams the filtered table in order, a batch at a time, so
// an export of 100,000 rows does not hold them all in memory.
func (s *Store) EachSeatRow(ctx context.Context, p *AddOnPurchase, f SeatFilter, fn func(SeatRow) error) error {
	const batch = 1000
	sc, err := s.seatScopeOf(ctx, p)
	if err != nil {
		return err
	}
	for offset := 0; ; offset += batch {
		var rows []SeatRow
		err := s.seatQuery(ctx, p, sc, f).Select("u.*, sa.created_at AS assigned_at, sa.rule_id").Order(seatOrder(f.Sort)).
			Offset(offset).Limit(batch).Scan(&rows).Error
		if err != nil {
			return err
		}
		if err := s.fillRoles(ctx, p, sc, rows); err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
	}
}

// fillRoles sets the max role (and on GitLab.com the invite badge) of the
// rows with one query over their memberships.
func (s *Store) fillRoles(ctx context.Context, p *AddOnPurchase, sc seatScope, rows []SeatRow) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	type membership struct {
		UserID        int64
		AccessLevel   AccessLevel
		Kind          string // "group", "project", "invited"
		TraversalPath string // the group's, for "invited"
	}
	var ms []membership
	q := s.q(ctx).Table("members AS m").Where("NOT m.pending AND m.user_id IN ?", ids)
	if p.NamespaceID == nil {
		q = q.Select("m.user_id, m.access_level, 'group' AS kind")
	} else {
		root := *p.NamespaceID
		q = q.Joins("LEFT JOIN namespaces g ON m.source_type = ? AND g.id = m.source_id", SourceGroup).
			Select(`m.user_id, m.access_level, CASE
				WHEN m.root_namespace_id = ? AND m.source_type = ? THEN 'group'
				WHEN m.root_namespace_id = ? THEN 'project'
				ELSE 'invited' END AS kind, COALESCE(g.traversal_path, '') AS traversal_path`, root, SourceGroup, root).
			Where("m.root_namespace_id = ? OR (m.source_type = ? AND m.source_id IN ?)", root, SourceGroup, append(sc.invited, 0))
	}
	if err := q.Scan(&ms).Error; err != nil {
		return err
	}
	for i, m := range ms {
		if m.Kind == "invited" {
			ms[i].AccessLevel = sc.invitedAccess(m.TraversalPath, m.AccessLevel)
		}
	}
	type agg struct {
		max                     AccessLevel
		group, project, invited bool
	}
	by := map[int64]*agg{}
	for _, m := range ms {
		a := by[m.UserID]
		if a == nil {
			a = &agg{}
			by[m.UserID] = a
		}
		a.max = max(a.max, m.AccessLevel)
		switch m.Kind {
		case "group":
			a.group = true
		case "project":
			a.project = true
		default:
			a.invited = true
		}
	}
	for i := range rows {
		a := by[rows[i].ID]
		if a == nil {
			continue
		}
		rows[i].MaxRole = a.max
		if p.NamespaceID != nil && !a.group {
			if a.project {
				rows[i].Invite = "Project invite"
			} else if a.invited {
				rows[i].Invite = "Group invite"
			}
		}
	}
	return nil
}
