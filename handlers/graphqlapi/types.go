package graphqlapi

import (
	"io"
	"strconv"
	"time"

	"duoadmin/models"
)

// The Go side of the schema's object types that resolvers fill from the
// Store; gqlgen generates the rest (models_gen.go).

// Date is GitLab's Date scalar: YYYY-MM-DD.
type Date struct{ models.Date }

func (d Date) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(d.String())) }
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return inputErrorf("%s is not a valid date", inspect(v))
	}
	parsed, err := models.ParseDate(s)
	if err != nil {
		return inputErrorf("%s is not a valid date", inspect(v))
	}
	d.Date = parsed
	return nil
}

func dateOf(d *models.Date) *Date {
	if d == nil {
		return nil
	}
	return &Date{*d}
}

// Time is GitLab's Time scalar: ISO 8601 in UTC.
type Time struct{ time.Time }

func (t Time) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339)))
}
func (t *Time) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return inputErrorf("%s is not a valid time", inspect(v))
	}
	parsed, err := time.Parse(time.RFC3339, s)
	t.Time = parsed
	if err != nil {
		return inputErrorf("%s is not a valid time", inspect(v))
	}
	return nil
}

type CurrentUser struct {
	ID       UserID
	Username string
	Name     string
	user     *models.User
}

type Project struct {
	ID       ProjectID
	Name     string
	FullPath string
	project  *models.Project
}

func projectOf(p *models.Project) *Project {
	return &Project{ID: ProjectID(p.ID), Name: p.Name, FullPath: p.FullPath, project: p}
}

type Group struct {
	ID       GroupID
	Name     string
	FullPath string
	group    *models.Group
}

// Namespace is a group seen as GitLab's Namespace type: its id is the
// group's global id.
type Namespace struct {
	ID       string
	Name     string
	FullPath string
	group    *models.Group
}

type AddOnPurchase struct {
	ID                PurchaseID
	Name              string
	PurchasedQuantity int
	AssignedQuantity  int
}

// addOnName is GitLab's name of an add-on: CODE_SUGGESTIONS is Duo Pro.
func addOnName(a models.AddOn) string {
	if a == models.AddOnDuoEnterprise {
		return "DUO_ENTERPRISE"
	}
	return "CODE_SUGGESTIONS"
}

func purchaseOf(p models.AddOnPurchase, assigned int64) *AddOnPurchase {
	return &AddOnPurchase{ID: PurchaseID(p.ID), Name: addOnName(p.AddOn), PurchasedQuantity: p.Quantity, AssignedQuantity: int(assigned)}
}

// AddOnUser is one row of a user list; page batches what its rows share
// (their assignments), so a page of 100 costs one query, not 100.
type AddOnUser struct {
	ID                UserID
	Username          string
	Name              string
	PublicEmail       *string
	State             string
	LastActivityOn    *Date
	LastLoginAt       *Time
	LastDuoActivityOn *Date
	page              *userPage
}

// AddOnUserConnection is a page of users with the total they come from.
type AddOnUserConnection struct {
	Edges    []*AddOnUserEdge
	Nodes    []*AddOnUser
	PageInfo *PageInfo
	total    int64
}
