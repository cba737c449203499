package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// /api/v4/add_on_purchases: the GitLab Duo purchases of the instance
// (self-managed) or of a top-level group (GitLab.com), and their seats.
// The instance's purchases follow the admin area (auditors read); a
// group's follow its owners on GitLab.com, as the group's seat screens do.

type apiPurchase struct {
	ID                int64        `json:"id"`
	AddOn             models.AddOn `json:"add_on"`
	Namespace         *string      `json:"namespace"`
	PurchasedQuantity int          `json:"purchased_quantity"`
	AssignedQuantity  int64        `json:"assigned_quantity"`
	StartedAt         *models.Date `json:"started_at"`
	ExpiresOn         models.Date  `json:"expires_on"`
	Trial             bool         `json:"trial"`
	Active            bool         `json:"active"`
}

type apiSeatUser struct {
	ID                int64            `json:"id"`
	Username          string           `json:"username"`
	Name              string           `json:"name"`
	Email             *string          `json:"email"`
	State             models.UserState `json:"state"`
	MaxRole           *string          `json:"max_role"`
	Assigned          bool             `json:"assigned"`
	AssignedAt        *string          `json:"assigned_at"`
	LastActivityOn    *models.Date     `json:"last_activity_on"`
	LastDuoActivityOn *models.Date     `json:"last_duo_activity_on"`
	Invite            *string          `json:"invite"`
}

// apiTimeLayout is how GitLab's API writes timestamps.
const apiTimeLayout = "2006-01-02T15:04:05.000Z"

// GET /api/v4/add_on_purchases?namespace=:id
func (s *Server) getAPIAddOnPurchases(c echo.Context) error {
	ctx := c.Request().Context()
	var nsID *int64
	var nsPath *string
	if raw := c.QueryParam("namespace"); raw != "" {
		g, err := s.apiNamespace(c, raw)
		if err != nil {
			return err
		}
		nsID, nsPath = &g.ID, &g.FullPath
	} else {
		if s.deployment == models.GitLabCom {
			return apiFail(http.StatusBadRequest, "namespace is missing")
		}
		if v := viewer(c); !v.Admin && !v.Auditor {
			return apiFail(http.StatusForbidden, "403 Forbidden")
		}
	}
	ps, err := s.store.PurchasesFor(ctx, nsID)
	if err != nil {
		return err
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	counts, err := s.store.AssignedCounts(ctx, ids)
	if err != nil {
		return err
	}
	today := models.Today()
	out := make([]apiPurchase, len(ps))
	for i, p := range ps {
		out[i] = apiPurchase{ID: p.ID, AddOn: p.AddOn, Namespace: nsPath, PurchasedQuantity: p.Quantity,
			AssignedQuantity: counts[p.ID], StartedAt: p.StartedAt, ExpiresOn: p.ExpiresOn, Trial: p.Trial,
			Active: p.ActiveOn(today)}
	}
	return c.JSON(http.StatusOK, out)
}

// apiNamespace resolves ?namespace= (an id or a full path) to a top-level
// group the viewer may read: 404 for one they may not see, as apiGroup.
func (s *Server) apiNamespace(c echo.Context, raw string) (*models.Group, error) {
	ctx := c.Request().Context()
	var g *models.Group
	var err error
	if n, convErr := strconv.ParseInt(raw, 10, 64); convErr == nil {
		g, err = s.store.GroupByID(ctx, n)
	} else {
		g, err = s.store.GroupByFullPath(ctx, raw)
	}
	if err != nil {
		return nil, err
	}
	if err := s.authorizeGroup(c, g, false); err != nil {
		return nil, err
	}
	if !g.TopLevel() {
		return nil, apiFail(http.StatusBadRequest, "namespace must be a top-level group")
	}
	return g, nil
}

// apiAddOnPurchase loads :id and checks the viewer may read it (write:
// change its seats).
//
// On self-managed every purchase is the instance's, even one that names a
// group (a file exported from GitLab.com can bring one): administrators
// change its seats and auditors read them, as on /admin/gitlab_duo, where
// group owners have no seat screens. Like GitLab's instance endpoints the
// API answers 403 to anyone else, before looking at the id.
//
// On GitLab.com a purchase follows its top-level group's owners: unknown
// ids and purchases the viewer may not see are 404; auditors changing
// seats get 403.
func (s *Server) apiAddOnPurchase(c echo.Context, write bool) (*models.AddOnPurchase, error) {
	ctx := c.Request().Context()
	selfManaged := s.deployment == models.SelfManaged
	if v := viewer(c); selfManaged && !v.Admin && !(v.Auditor && !write) {
		return nil, apiFail(http.StatusForbidden, "403 Forbidden")
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, errNotFound
	}
	p, err := s.store.PurchaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.NamespaceID == nil || selfManaged {
		return p, decide(viewer(c), AdminArea, false, write)
	}
	g, err := s.store.GroupByID(ctx, *p.NamespaceID)
	if err != nil {
		return nil, err
	}
	return p, s.authorizeGroup(c, g, write)
}

// GET /api/v4/add_on_purchases/:id/eligible_users
func (s *Server) getAPIAddOnPurchaseEligibleUsers(c echo.Context) error {
	p, err := s.apiAddOnPurchase(c, false)
	if err != nil {
		return err
	}
	f, err := apiSeatFilter(c)
	if err != nil {
		return err
	}
	page, perPage, err := apiPage(c)
	if err != nil {
		return err
	}
	rows, err := s.store.SeatTablePage(c.Request().Context(), p, f, page, perPage)
	if err != nil {
		return err
	}
	out := make([]apiSeatUser, len(rows.Items))
	for i, r := range rows.Items {
		out[i] = seatUserJSON(r)
	}
	setPaginationHeaders(c, page, perPage, rows.Total)
	return c.JSON(http.StatusOK, out)
}

// apiSeatFilter reads assigned, search and sort. Unlike the screen, which
// ignores a search shorter than three characters, the API rejects it: a
// script asking for "ab" should learn the filter was not applied.
func apiSeatFilter(c echo.Context) (models.SeatFilter, error) {
	var f models.SeatFilter
	switch c.QueryParam("assigned") {
	case "":
	case "true":
		f.Assigned = apiPtr(true)
	case "false":
		f.Assigned = apiPtr(false)
	default:
		return f, apiFail(http.StatusBadRequest, "assigned must be true or false")
	}
	f.Search = strings.TrimSpace(c.QueryParam("search"))
	if f.Search != "" && len([]rune(f.Search)) < models.MinSeatSearch {
		return f, apiFail(http.StatusBadRequest, "search must be at least 3 characters")
	}
	f.Sort = c.QueryParam("sort")
	if f.Sort == "" {
		f.Sort = models.DefaultSeatSort
	}
	if _, ok := models.SeatSorts[f.Sort]; !ok {
		keys := make([]string, 0, len(models.SeatSorts))
		for k := range models.SeatSorts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return f, apiFail(http.StatusBadRequest, "sort must be one of "+strings.Join(keys, ", "))
	}
	return f, nil
}

func seatUserJSON(r models.SeatRow) apiSeatUser {
	u := apiSeatUser{ID: r.ID, Username: r.Username, Name: r.Name, State: r.State, Assigned: r.Assigned(),
		LastActivityOn: r.LastActivityOn, LastDuoActivityOn: r.LastDuoActivityOn}
	if r.PublicEmail {
		u.Email = apiPtr(r.Email)
	}
	if r.MaxRole.Valid() {
		u.MaxRole = apiPtr(r.MaxRole.Key())
	}
	if r.AssignedAt != nil {
		u.AssignedAt = apiPtr(r.AssignedAt.UTC().Format(apiTimeLayout))
	}
	switch r.Invite {
	case "Group invite":
		u.Invite = apiPtr("group_invite")
	case "Project invite":
		u.Invite = apiPtr("project_invite")
	}
	return u
}

func apiPtr[T any](v T) *T { return &v }
