// Package reclaim is a purchase's Reclaim tab: the idle-seat reclaim
// policy form, its preview and the pending notices. The Admin area
// (self-managed) and a top-level group's usage quotas (GitLab.com) share it.
package reclaim

import (
	"strconv"

	"duoadmin/models"
	"duoadmin/views/components"
)

// PreviewListed is how many previewed seats the page lists.
const PreviewListed = 200

type Props struct {
	Tabs       []components.Tab
	Action     string
	AddOnTitle string
	Form       models.ReclaimPolicyInput
	Errs       models.FieldErrors
	// Preview is set after "Preview": what the form's policy would reclaim.
	Preview      []models.ReclaimCandidate
	PreviewShown bool
	PreviewDays  int
	Notices      models.Paged[models.ReclaimNoticeRow]
	NoticePager  components.Pager
	CanEdit      bool
	// Held are the reclaim runs the mass-removal guard holds; they are
	// decided where every held run is (RulesPath).
	Held      []models.SeatSyncRun
	RulesPath string
}

// HeldText tells that a reclaim run waits for a person, and where.
func HeldText(r models.SeatSyncRun) string {
	seats := strconv.Itoa(r.Losses) + " seats"
	if r.Losses == 1 {
		seats = "1 seat"
	}
	s := "A reclaim run is held: it would reclaim " + seats + " and nothing was reclaimed (" + r.HoldReason +
		"). Approve or discard it under Assignment rules"
	if r.ExpiresAt != nil {
		s += " before " + r.ExpiresAt.UTC().Format("2006-01-02")
	}
	return s + "."
}

// PreviewText is GitLab-style wording of the preview's count.
func PreviewText(n, days int, enabled bool) string {
	seats := "seats"
	if n == 1 {
		seats = "seat"
	}
	s := "This policy would reclaim " + strconv.Itoa(n) + " " + seats + " over the next " + strconv.Itoa(days) + " days"
	if !enabled {
		s += " once it is turned on"
	}
	return s + "."
}

func (p Props) listed() []models.ReclaimCandidate {
	if len(p.Preview) > PreviewListed {
		return p.Preview[:PreviewListed]
	}
	return p.Preview
}

func idleChoice() []struct{ Value, Label string } {
	return []struct{ Value, Label string }{{"30", "30 days"}, {"60", "60 days"}, {"90", "90 days"}, {"custom", "A number of days"}}
}
