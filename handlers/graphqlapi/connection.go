package graphqlapi

import (
	"context"
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"duoadmin/models"
)

// AddOnUserConnection as GitLab pages it: offset pagination behind opaque
// cursors (graphql-ruby's: the 1-based position, base64), first/last at
// most 100 and 100 when neither is given, count(limit:) over the whole
// filtered list. Rows are read in SQL, one window per request.

const maxPageSize = 100

type eligibleArgs struct {
	purchaseIDs   []PurchaseID
	search        *string
	sort          *GitlabSubscriptionsUserSort
	assignedSeat  *string
	after, before *string
	first, last   *int
}

var sortKeys = map[GitlabSubscriptionsUserSort]string{
	GitlabSubscriptionsUserSortIDAsc: "id_asc", GitlabSubscriptionsUserSortIDDesc: "id_desc",
	GitlabSubscriptionsUserSortNameAsc: "name_asc", GitlabSubscriptionsUserSortNameDesc: "name_desc",
	GitlabSubscriptionsUserSortLastActivityOnAsc:  "last_activity_on_asc",
	GitlabSubscriptionsUserSortLastActivityOnDesc: "last_activity_on_desc",
}

// GitLab's Gitlab::Utils.to_boolean: anything else is no filter.
var (
	truthy = regexp.MustCompile(`(?i)^(true|t|yes|y|1|on)$`)
	falsy  = regexp.MustCompile(`(?i)^(false|f|no|n|0|off)$`)
)

func seatFilter(a eligibleArgs) models.SeatFilter {
	f := models.SeatFilter{Sort: models.DefaultSeatSort}
	if a.search != nil {
		f.Search = *a.search
	}
	if a.sort != nil {
		f.Sort = sortKeys[*a.sort]
	}
	if a.assignedSeat != nil {
		switch {
		case truthy.MatchString(*a.assignedSeat):
			f.Assigned = new(bool)
			*f.Assigned = true
		case falsy.MatchString(*a.assignedSeat):
			f.Assigned = new(bool)
		}
	}
	return f
}

func encodeCursor(pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(pos)))
}

func decodeCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(c, "="))
	if err != nil {
		return 0, public("Invalid cursor provided")
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 {
		return 0, public("Invalid cursor provided")
	}
	return n, nil
}

// window is rows [start, end) of the list; end < 0 is "up to the end".
type window struct{ start, end int }

func pageWindow(a eligibleArgs) (window, error) {
	w := window{end: -1}
	if a.after != nil {
		n, err := decodeCursor(*a.after)
		if err != nil {
			return w, err
		}
		w.start = n
	}
	if a.before != nil {
		n, err := decodeCursor(*a.before)
		if err != nil {
			return w, err
		}
		w.end = max(n-1, w.start)
	}
	for name, v := range map[string]*int{"first": a.first, "last": a.last} {
		if v != nil && *v < 0 {
			return w, public("Argument '" + name + "' must be greater than or equal to 0")
		}
	}
	return w, nil
}

// eligibleUsers is one page of the users eligible for p's seats.
func (r *Resolver) eligibleUsers(ctx context.Context, p *models.AddOnPurchase, a eligibleArgs) (*AddOnUserConnection, error) {
	w, err := pageWindow(a)
	if err != nil {
		return nil, err
	}
	f := seatFilter(a)
	if a.last != nil && w.end < 0 {
		// The last rows of the whole list: its length first.
		_, total, err := r.Store.SeatTableSlice(ctx, p, f, 0, 0)
		if err != nil {
			return nil, err
		}
		w.end = int(total)
	}
	switch {
	case a.first != nil:
		end := w.start + min(*a.first, maxPageSize)
		if w.end < 0 || end < w.end {
			w.end = end
		}
		if a.last != nil {
			w.start = max(w.start, w.end-min(*a.last, maxPageSize))
		}
	case a.last != nil:
		w.start = max(w.start, w.end-min(*a.last, maxPageSize))
	case w.end < 0 || w.end-w.start > maxPageSize:
		w.end = w.start + maxPageSize
	}
	rows, total, err := r.Store.SeatTableSlice(ctx, p, f, w.start, w.end-w.start)
	if err != nil {
		return nil, err
	}
	return r.userConnection(rows, w.start, total), nil
}

func (r *Resolver) userConnection(rows []models.SeatRow, start int, total int64) *AddOnUserConnection {
	page := &userPage{r: r}
	conn := &AddOnUserConnection{total: total, PageInfo: &PageInfo{
		HasPreviousPage: start > 0, HasNextPage: int64(start+len(rows)) < total}}
	for i, row := range rows {
		u := addOnUserOf(row.User, page)
		page.ids = append(page.ids, row.ID)
		cursor := encodeCursor(start + i + 1)
		conn.Nodes = append(conn.Nodes, u)
		conn.Edges = append(conn.Edges, &AddOnUserEdge{Cursor: cursor, Node: u})
	}
	if len(rows) > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[len(rows)-1].Cursor
	}
	return conn
}

func addOnUserOf(u models.User, page *userPage) *AddOnUser {
	out := &AddOnUser{ID: UserID(u.ID), Username: u.Username, Name: u.Name, State: string(u.State),
		LastActivityOn: dateOf(u.LastActivityOn), LastDuoActivityOn: dateOf(u.LastDuoActivityOn), page: page}
	if u.PublicEmail {
		email := u.Email
		out.PublicEmail = &email
	}
	return out
}

// usersConnection is the users of a mutation's payload, all on one page.
func (r *Resolver) usersConnection(ctx context.Context, ids []int64) (*AddOnUserConnection, error) {
	users, err := r.Store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows := make([]models.SeatRow, len(users))
	for i, u := range users {
		rows[i] = models.SeatRow{User: u}
	}
	return r.userConnection(rows, 0, int64(len(rows))), nil
}

// userPage loads the assignments of all its users at once, the first
// time one of them is asked for them (gqlgen resolves the rows in
// parallel, hence the lock), for each set of purchases asked about.
type userPage struct {
	r      *Resolver
	ids    []int64
	mu     sync.Mutex
	loaded map[string]*pageAssignments
}

type pageAssignments struct {
	seats     map[int64][]int64
	purchases map[int64]*AddOnPurchase
}

func (pg *userPage) assignments(ctx context.Context, purchaseIDs []PurchaseID) (*pageAssignments, error) {
	key := ""
	for _, id := range purchaseIDs {
		key += strconv.FormatInt(int64(id), 10) + ","
	}
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if got, ok := pg.loaded[key]; ok {
		return got, nil
	}
	// Only purchases whose seats the viewer may read are told about.
	var ids []int64
	for _, id := range purchaseIDs {
		if _, err := pg.r.seatPurchase(ctx, id, false); err == nil {
			ids = append(ids, int64(id))
		}
	}
	out := &pageAssignments{purchases: map[int64]*AddOnPurchase{}}
	var err error
	if out.seats, err = pg.r.Store.ActiveSeatsAmong(ctx, pg.ids, ids); err != nil {
		return nil, err
	}
	ps, err := pg.r.Store.PurchaseLabels(ctx, ids)
	if err != nil {
		return nil, err
	}
	counts, err := pg.r.Store.AssignedCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	for id, p := range ps {
		out.purchases[id] = purchaseOf(p, counts[id])
	}
	if pg.loaded == nil {
		pg.loaded = map[string]*pageAssignments{}
	}
	pg.loaded[key] = out
	return out, nil
}

func (r *Resolver) addOnAssignments(ctx context.Context, u *AddOnUser, purchaseIDs []PurchaseID) (*UserAddOnAssignmentConnection, error) {
	page := u.page
	if page == nil {
		page = &userPage{r: r, ids: []int64{int64(u.ID)}}
	}
	got, err := page.assignments(ctx, purchaseIDs)
	if err != nil {
		return nil, err
	}
	conn := &UserAddOnAssignmentConnection{PageInfo: &PageInfo{}}
	for i, pid := range got.seats[int64(u.ID)] {
		a := &UserAddOnAssignment{AddOnPurchase: got.purchases[pid]}
		conn.Nodes = append(conn.Nodes, a)
		conn.Edges = append(conn.Edges, &UserAddOnAssignmentEdge{Cursor: encodeCursor(i + 1), Node: a})
	}
	return conn, nil
}

// count is GitLab's count(limit:): limit + 1 when there are more.
func count(c *AddOnUserConnection, limit *int) int {
	if limit != nil && c.total > int64(*limit) {
		return *limit + 1
	}
	return int(c.total)
}
