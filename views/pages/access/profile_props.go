package access

import (
	"strings"

	"duoadmin/models"
	"duoadmin/models/access"
)

// ProfileProps is /-/profile/gitlab_duo: the signed-in user's own status.
type ProfileProps struct {
	GitLabCom bool
	Seats     []access.Seat
	// GitLab.com: paid top-level groups whose Duo Core covers the user, and
	// those with Duo Core on where the user is only a Guest.
	CoreGroups      []string
	GuestCoreGroups []string
	// Self-managed: the instance's Duo Core, and whether the plan lets it work.
	InstanceCore     bool
	InstanceCorePaid bool
	Rows             []FeatureRow
	Reasons          []ReasonNote
	OffPlaces        []models.DuoOffPlace
	// Seat requests: purchases the user may ask a seat of, and the form's
	// note and errors after a refused request.
	Offers      []SeatRequestOffer
	RequestNote string
	RequestErrs models.FieldErrors
}

func approverWord(com bool) string {
	if com {
		return "owners"
	}
	return "administrators"
}

func pendingText(o SeatRequestOffer, com bool) string {
	return "You requested a " + o.AddOnTitle + " seat of " + o.Owner + " on " + o.RequestedOn + ". Its " +
		approverWord(com) + " will assign or decline it."
}

func offerText(o SeatRequestOffer, com bool) string {
	return "Ask for a " + o.AddOnTitle + " seat of " + o.Owner + ". Its " + approverWord(com) + " are emailed."
}

type FeatureRow struct {
	Feature access.FeatureInfo
	Cells   []access.Decision // one per access.Contexts
}

// ReasonNote explains one reason a cell is refused, once under the table.
type ReasonNote struct {
	Code  string
	Label string
	Text  string
}

var reasonLabels = map[string]string{
	access.ReasonNotInPaidGroup:   "No paid group",
	access.ReasonInstanceNeverOn:  "Always off",
	access.ReasonNoSeat:           "No seat",
	access.ReasonPurchaseInactive: "Purchase not active",
	access.ReasonFeatureNotInTier: "Needs Duo Enterprise",
	access.ReasonDuoCoreIDEOnly:   "Not in Duo Core",
	access.ReasonUserInactive:     "Account inactive",
	access.ReasonBotUser:          "Bot account",
}

var reasonTexts = map[string]string{
	access.ReasonNotInPaidGroup:   "You are not a member of any group on the Premium or Ultimate plan.",
	access.ReasonInstanceNeverOn:  "An administrator has set GitLab Duo to Always off for this instance.",
	access.ReasonNoSeat:           "You have no GitLab Duo Pro or Enterprise seat, and GitLab Duo Core is not on for you.",
	access.ReasonPurchaseInactive: "Your seat belongs to a purchase that is not active.",
	access.ReasonFeatureNotInTier: "The feature needs a GitLab Duo Enterprise seat; yours is GitLab Duo Pro.",
	access.ReasonDuoCoreIDEOnly:   "GitLab Duo Core covers only Chat in the IDE and Code Suggestions in the IDE and Web IDE; the rest needs a GitLab Duo Pro or Enterprise seat.",
}

// ReasonLabel is the short text of a refused cell.
func ReasonLabel(code string) string {
	if l, ok := reasonLabels[code]; ok {
		return l
	}
	return code
}

// Notes lists each refusal reason of the table once, in order of first use.
func Notes(rows []FeatureRow) []ReasonNote {
	seen := map[string]bool{}
	var out []ReasonNote
	for _, r := range rows {
		for _, d := range r.Cells {
			if d.Allowed || seen[d.Reason] {
				continue
			}
			seen[d.Reason] = true
			text, ok := reasonTexts[d.Reason]
			if !ok {
				text = d.Message
			}
			out = append(out, ReasonNote{Code: d.Reason, Label: ReasonLabel(d.Reason), Text: text})
		}
	}
	return out
}

func seatOwner(s access.Seat) string {
	if s.Namespace == "" {
		return "This instance"
	}
	return s.Namespace
}

func seatStatus(s access.Seat) (string, string) {
	switch {
	case s.Active:
		return "Active", "badge-success"
	case models.Today().Time.Before(s.ExpiresOn):
		return "Not started", "badge-warning"
	}
	return "Expired", "badge-danger"
}

func tierShort(t access.Tier) string {
	switch t {
	case access.TierDuoCore:
		return "Duo Core"
	case access.TierDuoPro:
		return "Duo Pro"
	case access.TierDuoEnterprise:
		return "Duo Enterprise"
	}
	return ""
}

func placeKind(p models.DuoOffPlace) string {
	if p.Kind == models.NodeProject {
		return "Project"
	}
	return "Group"
}

func placeHref(p models.DuoOffPlace) string {
	if p.Kind == models.NodeProject {
		return "/" + p.FullPath
	}
	return "/groups/" + p.FullPath
}

func joinPaths(ps []string) string { return strings.Join(ps, ", ") }

// listSep follows item i of n in a sentence: a comma, or the colon after the last.
func listSep(i, n int) string {
	if i == n-1 {
		return ": "
	}
	return ", "
}
