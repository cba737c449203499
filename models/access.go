package models

import "fmt"

// AccessFacts is everything the decision needs, loaded beforehand: the
// decision itself touches no database.
type AccessFacts struct {
	Deployment Deployment
	User       AccessUser
	// Seats the user holds, on purchases active or not.
	Seats []SeatFact
	// GitLab.com: top-level Premium/Ultimate groups the user belongs to.
	PaidGroups []PaidGroupFact
	// Self-managed: the instance.
	InstanceNeverOn  bool
	InstancePaidPlan bool
	InstanceDuoCore  bool
	Resource         ResourceFact
}

type AccessUser struct {
	Username string
	State    UserState
	Bot      bool
}

type SeatFact struct {
	AddOn     AddOn
	Namespace string // top-level group path, "" for the instance
	Active    bool
	ExpiresOn Date
}

type PaidGroupFact struct {
	Path     string
	NonGuest bool // a Duo Core grant needs more than the Guest role
	DuoCore  bool
}

// ResourceKind is what the feature is used with.
type ResourceKind string

const (
	ResourceNone    ResourceKind = "none"
	ResourceGroup   ResourceKind = "group"
	ResourceProject ResourceKind = "project"
	// ResourceUnknownOrigin: a repository without Git configuration or with
	// a remote on another host.
	ResourceUnknownOrigin ResourceKind = "unknown_origin"
)

type ResourceFact struct {
	Kind       ResourceKind
	Path       string
	DuoEnabled bool   // effective
	Why        string // DuoResolution.SourceLabel()
	// LockSource is who locks the setting (DuoResolution.LockSource).
	LockSource string
}

// Step is one question of the flow diagram and its answer.
type Step struct {
	Node     string `json:"node"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Decision is the verdict, why, and the way it was reached.
type Decision struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Tier    Tier   `json:"tier"`
	Path    []Step `json:"path"`
	// Outcome is the diagram's end node ("Can use GitLab Duo" …).
	Outcome     string `json:"outcome"`
	OutcomeNode string `json:"outcome_node"`
	// LockSource: the resource's setting is Always on or Always off,
	// locked by this group path or "instance" (drawn on the diagram).
	LockSource string `json:"lock_source,omitempty"`
}

// Reason codes.
const (
	ReasonAllowed           = "allowed"
	ReasonUserInactive      = "user_inactive"
	ReasonBotUser           = "bot_user"
	ReasonInstanceNeverOn   = "instance_never_on"
	ReasonNotInPaidGroup    = "not_member_of_paid_group"
	ReasonNoSeat            = "no_seat"
	ReasonPurchaseInactive  = "purchase_inactive"
	ReasonFeatureNotInTier  = "feature_not_in_tier"
	ReasonDuoCoreIDEOnly    = "duo_core_ide_only"
	ReasonResourceDisabled  = "resource_duo_disabled"
	ResourceDisabledMessage = "I am sorry, I cannot access the information you are asking about. A group or project owner has turned off Duo features in this group or project."
	cannotUse               = "Cannot use GitLab Duo"
	canUse                  = "Can use GitLab Duo"
	canUseWithResource      = "Can use Duo with this resource"
	cannotUseWithResource   = "Cannot use Duo with this resource"
)

type decider struct {
	f    AccessFacts
	feat FeatureInfo
	ctx  AccessContext
	d    Decision
}

func (x *decider) ask(node, q, a string) { x.d.Path = append(x.d.Path, Step{node, q, a}) }

func (x *decider) deny(node, outcome, reason, msg string) Decision {
	x.d.Allowed, x.d.Reason, x.d.Message, x.d.Outcome, x.d.OutcomeNode = false, reason, msg, outcome, node
	x.d.Tier = ""
	return x.d
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// DecideAccess walks GitLab's flow diagram for the deployment: may this
// user use this feature, in this context, with this resource?
func DecideAccess(f AccessFacts, feat FeatureInfo, ctx AccessContext) Decision {
	x := &decider{f: f, feat: feat, ctx: ctx}
	x.ask("A", "Start", fmt.Sprintf("@%s asks to use %s in the %s", f.User.Username, feat.Title, contextTitle(ctx)))
	// Not in the diagrams, but nothing else matters for these accounts.
	switch {
	case f.User.Bot:
		x.ask("A0", "Is the account an active human user?", "No — a bot")
		return x.deny("C", cannotUse, ReasonBotUser, "Bot accounts cannot use GitLab Duo.")
	case f.User.State != StateActive:
		x.ask("A0", "Is the account an active human user?", "No — "+string(f.User.State))
		return x.deny("C", cannotUse, ReasonUserInactive, fmt.Sprintf("The account is %s, so it cannot use GitLab Duo.", f.User.State))
	}

	if f.Deployment == GitLabCom {
		member := len(f.PaidGroups) > 0
		answer := yesNo(member)
		if member {
			answer += " — " + f.PaidGroups[0].Path
		}
		x.ask("B", "Member of Premium/Ultimate group?", answer)
		if !member {
			return x.deny("C", cannotUse, ReasonNotInPaidGroup,
				"GitLab Duo needs a membership in a group on the Premium or Ultimate plan.")
		}
	} else {
		x.ask("B", "Instance has Duo features set to 'Always off'?", yesNo(f.InstanceNeverOn))
		if f.InstanceNeverOn {
			return x.deny("C", cannotUse, ReasonInstanceNeverOn,
				"An administrator has set GitLab Duo to Always off for this instance.")
		}
	}

	seat, expired := bestSeat(f.Seats)
	if seat != nil {
		x.ask("D", "Has Duo Pro/Enterprise license?", "Yes — "+seat.AddOn.Title()+seatWhere(*seat))
		tier := Tier(seat.AddOn)
		if !feat.InSeatTier(tier) {
			x.ask("D1", "Does the seat include "+feat.Title+"?", "No — it needs GitLab Duo Enterprise")
			return x.deny("D2", cannotUse, ReasonFeatureNotInTier,
				fmt.Sprintf("%s needs a GitLab Duo Enterprise seat; the user has %s.", feat.Title, seat.AddOn.Title()))
		}
		x.d.Tier = tier
		return x.resource("R1", "R2", "RC", "R3", "R4")
	}
	answer := "No"
	if expired != nil {
		answer = fmt.Sprintf("No — the %s purchase is not active (ended %s)", expired.AddOn.Title(), expired.ExpiresOn.Time.Format("Jan 02, 2006"))
	}
	x.ask("D", "Has Duo Pro/Enterprise license?", answer)

	var core bool
	if f.Deployment == GitLabCom {
		var via string
		for _, g := range f.PaidGroups {
			if g.DuoCore && g.NonGuest {
				core, via = true, g.Path
				break
			}
		}
		a := yesNo(core)
		if core {
			a += " — " + via
		}
		x.ask("F", "Any Premium/Ultimate group has Duo Core enabled?", a)
	} else {
		core = f.InstanceDuoCore && f.InstancePaidPlan
		x.ask("F", "Instance has Duo Core enabled?", yesNo(core))
	}
	if !core {
		reason, msg := ReasonNoSeat, "The user has no GitLab Duo Pro or Enterprise seat, and GitLab Duo Core is not turned on for them."
		if expired != nil {
			reason, msg = ReasonPurchaseInactive, fmt.Sprintf("The user's %s seat belongs to a purchase that is not active.", expired.AddOn.Title())
		}
		return x.deny("G", cannotUse, reason, msg)
	}
	inCore := feat.InDuoCore(ctx)
	x.ask("H", "Using Chat or Code Suggestions in IDE?", yesNo(inCore))
	if !inCore {
		return x.deny("I", cannotUse, ReasonDuoCoreIDEOnly,
			"GitLab Duo Core covers only Chat in the IDE and Code Suggestions in the IDE and Web IDE; "+feat.Title+" in the "+contextTitle(ctx)+" needs a Duo Pro or Enterprise seat.")
	}
	x.d.Tier = TierDuoCore
	return x.resource("J", "L", "K", "N", "M")
}

// resource asks the diagram's last two questions. Node names follow
// GitLab's Duo Core diagram (J-N) on that branch; the seat branch, which
// that diagram ends at "Can use GitLab Duo", asks them too (R1-R4), as the
// diagram without Duo Core does.
func (x *decider) resource(qNode, enabledNode, canNode, cannotNode, canWithNode string) Decision {
	r := x.f.Resource
	specific := r.Kind == ResourceGroup || r.Kind == ResourceProject
	answer := yesNo(specific)
	switch {
	case specific:
		answer += " — " + string(r.Kind) + " " + r.Path
	case r.Kind == ResourceUnknownOrigin:
		answer += " — a repository of unknown origin"
	}
	x.ask(qNode, "Using Duo with specific group/project resource?", answer)
	if !specific {
		x.d.Allowed, x.d.Reason, x.d.Outcome, x.d.OutcomeNode = true, ReasonAllowed, canUse, canNode
		x.d.Message = "Allowed through " + x.d.Tier.Title() + "."
		return x.d
	}
	why := r.Why
	if r.LockSource != "" {
		// Always on turns features on here; the seat was asked above.
		why = lockedTitle(r.DuoEnabled) + ": " + why
	}
	x.ask(enabledNode, "Group/Project has Duo features enabled?", yesNo(r.DuoEnabled)+" — "+why)
	x.d.LockSource = r.LockSource
	if !r.DuoEnabled {
		return x.deny(cannotNode, cannotUseWithResource, ReasonResourceDisabled, ResourceDisabledMessage)
	}
	x.d.Allowed, x.d.Reason, x.d.Outcome, x.d.OutcomeNode = true, ReasonAllowed, canUseWithResource, canWithNode
	x.d.Message = "Allowed through " + x.d.Tier.Title() + " with " + string(r.Kind) + " " + r.Path + "."
	return x.d
}

// bestSeat is the active seat of the highest tier, else the latest
// inactive one (to explain why it does not count).
func bestSeat(seats []SeatFact) (active, inactive *SeatFact) {
	for i := range seats {
		s := &seats[i]
		if s.Active {
			if active == nil || (s.AddOn == AddOnDuoEnterprise && active.AddOn != AddOnDuoEnterprise) {
				active = s
			}
		} else if inactive == nil || inactive.ExpiresOn.Before(s.ExpiresOn) {
			inactive = s
		}
	}
	return active, inactive
}

func seatWhere(s SeatFact) string {
	if s.Namespace == "" {
		return " (instance)"
	}
	return " (" + s.Namespace + ")"
}

func contextTitle(c AccessContext) string {
	switch c {
	case ContextWebUI:
		return "web UI"
	case ContextWebIDE:
		return "Web IDE"
	}
	return "IDE"
}

func lockedTitle(enabled bool) string {
	if enabled {
		return AlwaysOn.Title()
	}
	return NeverOn.Title()
}
