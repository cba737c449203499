package models

import "time"

type UserState string

const (
	StateActive      UserState = "active"
	StateBlocked     UserState = "blocked"
	StateBanned      UserState = "banned"
	StateDeactivated UserState = "deactivated"
)

var UserStates = []UserState{StateActive, StateBlocked, StateBanned, StateDeactivated}

func (s UserState) Valid() bool {
	for _, v := range UserStates {
		if v == s {
			return true
		}
	}
	return false
}

type User struct {
	ID                int64
	Username          string
	Name              string
	Email             string
	PublicEmail       bool
	PasswordHash      string `json:"-"`
	State             UserState
	Bot               bool
	Admin             bool
	Auditor           bool
	LastActivityOn    *Date
	LastDuoActivityOn *Date
	// LastCodeSuggestionsUsageAt orders seat removal on overage.
	LastCodeSuggestionsUsageAt *time.Time
	CreatedAt                  time.Time
	UpdatedAt                  time.Time
}

func (u *User) Active() bool { return u.State == StateActive }

// ReadOnlyEverywhere is the support auditor: sees everything, changes nothing.
func (u *User) ReadOnlyEverywhere() bool { return u.Auditor && !u.Admin }

type Plan string

const (
	PlanFree     Plan = "free"
	PlanPremium  Plan = "premium"
	PlanUltimate Plan = "ultimate"
)

var Plans = []Plan{PlanFree, PlanPremium, PlanUltimate}

func (p Plan) Valid() bool { return p == PlanFree || p == PlanPremium || p == PlanUltimate }

// Paid is true for the plans that can have GitLab Duo.
func (p Plan) Paid() bool { return p == PlanPremium || p == PlanUltimate }

func (p Plan) Title() string {
	switch p {
	case PlanPremium:
		return "Premium"
	case PlanUltimate:
		return "Ultimate"
	case PlanFree:
		return "Free"
	}
	return ""
}

// Group is a GitLab group; the table is called namespaces, as in GitLab.
type Group struct {
	ID            int64
	ParentID      *int64
	Path          string
	FullPath      string
	Name          string
	Plan          Plan // only top-level groups carry a plan
	TraversalPath string
	// DuoFeaturesEnabled is nil when the group inherits the setting.
	DuoFeaturesEnabled        *bool
	LockDuoFeaturesEnabled    bool
	ExperimentFeaturesEnabled bool
	// DuoCoreFeaturesEnabled is set on top-level groups only (GitLab.com).
	DuoCoreFeaturesEnabled bool
	// DuoEnforcedAt is set while an administrator (or, on GitLab.com, an
	// owner of the top-level group) enforces the setting (duo_enforcement.go).
	DuoEnforcedAt      *time.Time
	DuoEnforcedByID    *int64
	DuoEnforcedByAdmin bool
	DuoEnforcedReason  string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (Group) TableName() string { return "namespaces" }

func (g *Group) TopLevel() bool { return g.ParentID == nil }

// AncestorIDs lists the ids from the root down to the parent.
func (g *Group) AncestorIDs() []int64 {
	ids := parseTraversalPath(g.TraversalPath)
	if len(ids) == 0 {
		return nil
	}
	return ids[:len(ids)-1]
}

// RootID is the id of the top-level group of g's hierarchy.
func (g *Group) RootID() int64 {
	ids := parseTraversalPath(g.TraversalPath)
	if len(ids) == 0 {
		return g.ID
	}
	return ids[0]
}

func (g *Group) Depth() int { return len(parseTraversalPath(g.TraversalPath)) }

type Project struct {
	ID          int64
	NamespaceID int64
	Path        string
	FullPath    string
	Name        string
	// The column defaults to true; the tag keeps gorm from writing false on create.
	DuoFeaturesEnabled bool `gorm:"default:true"`
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

const (
	SourceGroup   = "Namespace"
	SourceProject = "Project"
)

type Member struct {
	ID          int64
	UserID      int64
	SourceType  string
	SourceID    int64
	AccessLevel AccessLevel
	Pending     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupGroupLink shares SharedGroup with the members of SharedWithGroup.
type GroupGroupLink struct {
	ID                int64
	SharedGroupID     int64
	SharedWithGroupID int64
	GroupAccess       AccessLevel
	CreatedAt         time.Time
}

// ProjectGroupLink shares a project with the members of a group.
type ProjectGroupLink struct {
	ID          int64
	ProjectID   int64
	GroupID     int64
	GroupAccess AccessLevel
	CreatedAt   time.Time
}

// InstanceSettings is the single row of instance-wide settings.
type InstanceSettings struct {
	ID                        int64
	Plan                      Plan
	SessionSecret             string `json:"-"`
	DuoFeaturesEnabled        bool
	LockDuoFeaturesEnabled    bool
	ExperimentFeaturesEnabled bool
	DuoCoreFeaturesEnabled    bool
	// The rest of the GitLab Duo configuration (instance_ai_settings.go).
	DuoChatExpirationDays        int
	DuoChatExpirationColumn      ChatExpirationColumn
	DirectCodeSuggestionsEnabled bool
	BetaSelfHostedModelsEnabled  bool
	AILogsEnabled                bool   `gorm:"column:ai_logs_enabled"`
	AIGatewayURL                 string `gorm:"column:ai_gateway_url"`
	// ModelPromptCacheEnabled is GitLab's "Prompt cache" (on by default).
	ModelPromptCacheEnabled bool `gorm:"default:true"`
	UpdatedAt               time.Time
}

type AddOn string

const (
	AddOnDuoPro        AddOn = "duo_pro"
	AddOnDuoEnterprise AddOn = "duo_enterprise"
)

func (a AddOn) Valid() bool { return a == AddOnDuoPro || a == AddOnDuoEnterprise }

func (a AddOn) Title() string {
	if a == AddOnDuoEnterprise {
		return "GitLab Duo Enterprise"
	}
	return "GitLab Duo Pro"
}

type AddOnPurchase struct {
	ID                           int64
	AddOn                        AddOn
	NamespaceID                  *int64
	Quantity                     int
	StartedAt                    *Date
	ExpiresOn                    Date
	Trial                        bool
	PurchaseXID                  string `gorm:"column:purchase_xid"`
	LastAssignedUsersRefreshedAt *time.Time
	CreatedAt                    time.Time
	UpdatedAt                    time.Time
}

// ActiveOn reports whether the purchase grants seats on day.
func (p *AddOnPurchase) ActiveOn(day Date) bool {
	if p.StartedAt != nil && day.Before(*p.StartedAt) {
		return false
	}
	return day.Before(p.ExpiresOn)
}

type SeatAssignment struct {
	ID              int64
	AddOnPurchaseID int64
	UserID          int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

type AuditEvent struct {
	ID          int64
	ActorID     *int64
	ActorName   string
	Action      string
	TargetType  string
	TargetID    *int64
	TargetName  string
	NamespaceID *int64
	Details     string
	CreatedAt   time.Time
}

// Subscription is the plan subscription a Duo add-on is bought on: the
// instance's (self-managed, NamespaceID nil) or a top-level group's.
type Subscription struct {
	ID           int64
	NamespaceID  *int64
	Name         string // e.g. A-S00012345; the purchase_xid of its add-ons
	Plan         Plan
	Seats        int
	StartsOn     Date
	EndsOn       Date
	LastSyncedAt *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type OutboxEmail struct {
	ID            int64
	ToAddress     string
	Subject       string
	TextBody      string
	HTMLBody      string `gorm:"column:html_body"`
	Kind          string
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
	SentAt        *time.Time
	CreatedAt     time.Time
}

func (OutboxEmail) TableName() string { return "email_outbox" }

// EmailBody is the body many outbox rows share (email_outbox.body_id).
type EmailBody struct {
	ID        int64
	TextBody  string
	HTMLBody  string `gorm:"column:html_body"`
	CreatedAt time.Time
}
