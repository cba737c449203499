package access

import (
	"fmt"
	"time"
)

// Facts is everything the decision needs, loaded beforehand by the Store:
// the decision itself touches no database.
type Facts struct {
	GitLabCom bool // the deployment; false is a self-managed instance
	User      User
	// Seats the user holds, on purchases active or not.
	Seats []Seat
	// GitLab.com: top-level Premium/Ultimate groups the user belongs to.
	PaidGroups []PaidGroup
	// Self-managed: the instance.
	InstanceNeverOn  bool
	InstancePaidPlan bool
	InstanceDuoCore  bool
	Resource         Resource
}

type User struct {
	Username string
	Active   bool
	State    string // named when the account is not active
	Bot      bool
}

type Seat struct {
	Tier      Tier   // the purchase's add-on: duo_pro or duo_enterprise
	Namespace string // top-level group path, "" for the instance
	Active    bool
	ExpiresOn time.Time
}

type PaidGroup struct {
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

type Resource struct {
	Kind       ResourceKind
	Path       string
	DuoEnabled bool   // effective
	Why        string // where the effective setting comes from
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
	f    Facts
	feat FeatureInfo
	ctx  Context
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

// Decide walks GitLab's flow diagram for the deployment: may this user use
// this feature, in this context, with this resource?
func Decide(f Facts, feat FeatureInfo, ctx Context) Decision {
	x := &decider{f: f, feat: feat, ctx: ctx}
	x.ask("A", "Start", fmt.Sprintf("@%s asks to use %s in the %s", f.User.Username, feat.Title, contextTitle(ctx)))
	// Not in the diagrams, but nothing else matters for these accounts.
	switch {
	case f.User.Bot:
		x.ask("A0", "Is the account an active human user?", "No — a bot")
		return x.deny("C", cannotUse, ReasonBotUser, "Bot accounts cannot use GitLab Duo.")
	case !f.User.Active:
		x.ask("A0", "Is the account an active human user?", "No — "+f.User.State)
		return x.deny("C", cannotUse, ReasonUserInactive, fmt.Sprintf("The account is %s, so it cannot use GitLab Duo.", f.User.State))
	}

	if f.GitLabCom {
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
		x.ask("D", "Has Duo Pro/Enterprise license?", "Yes — "+seat.Tier.Title()+seatWhere(*seat))
		tier := seat.Tier
		if !feat.InSeatTier(tier) {
			x.ask("D1", "Does the seat include "+feat.Title+"?", "No — it needs GitLab Duo Enterprise")
			return x.deny("D2", cannotUse, ReasonFeatureNotInTier,
				fmt.Sprintf("%s needs a GitLab Duo Enterprise seat; the user has %s.", feat.Title, seat.Tier.Title()))
		}
		x.d.Tier = tier
		return x.resource("R1", "R2", "RC", "R3", "R4")
	}
	answer := "No"
	if expired != nil {
		answer = fmt.Sprintf("No — the %s purchase is not active (ended %s)", expired.Tier.Title(), expired.ExpiresOn.Format("Jan 02, 2006"))
	}
	x.ask("D", "Has Duo Pro/Enterprise license?", answer)

	var core bool
	if f.GitLabCom {
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
			reason, msg = ReasonPurchaseInactive, fmt.Sprintf("The user's %s seat belongs to a purchase that is not active.", expired.Tier.Title())
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
func bestSeat(seats []Seat) (active, inactive *Seat) {
	for i := range seats {
		s := &seats[i]
		if s.Active {
			if active == nil || (s.Tier == TierDuoEnterprise && active.Tier != TierDuoEnterprise) {
				active = s
			}
		} else if inactive == nil || inactive.ExpiresOn.Before(s.ExpiresOn) {
			inactive = s
		}
	}
	return active, inactive
}

func seatWhere(s Seat) string {
	if s.Namespace == "" {
		return " (instance)"
	}
	return " (" + s.Namespace + ")"
}

func contextTitle(c Context) string {
	switch c {
	case ContextWebUI:
		return "web UI"
	case ContextWebIDE:
		return "Web IDE"
	}
	return "IDE"
}

// lockedTitle is the locked option's name, as the settings screens call it
// (models.AlwaysOn / NeverOn: this package cannot import models).
func lockedTitle(enabled bool) string {
	if enabled {
		return "Always on"
	}
	return "Always off"
}
