package handlers

import (
	"net/http"
	"slices"
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
	// apiNamespaceQuery found the group of ?namespace=, or none for the
	// instance's purchases.
	if g := currentGroupOrNil(c); g != nil {
		if !g.TopLevel() {
			return apiFail(http.StatusBadRequest, "namespace must be a top-level group")
		}
		nsID, nsPath = &g.ID, &g.FullPath
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

// GET /api/v4/add_on_purchases/:id/eligible_users
func (s *Server) getAPIAddOnPurchaseEligibleUsers(c echo.Context) error {
	p := currentPurchase(c)
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
