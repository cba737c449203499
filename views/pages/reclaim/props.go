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
