// Package subscriptions holds the subscription screens: the instance's
// /admin/subscription, the staff provisioning flow under
// /admin/subscriptions, and a group's Billing page.
package subscriptions

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"duoadmin/models"
	"duoadmin/views/components"
)

// PurchaseRow is one add-on purchase with its seats in use.
type PurchaseRow struct {
	Purchase models.AddOnPurchase
	Assigned int64
}

// TrialOffer is a "Start a free … trial" button the viewer may press.
type TrialOffer struct {
	AddOn  models.AddOn
	Action string // where the button posts (add_on=…)
}

// Terms are the renewal rates of the order form, in months.
var Terms = models.OrderTerms

// FormatDate is GitLab's "mmm dd, yyyy".
func FormatDate(d models.Date) string { return components.Date(d) }

func datePtr(d *models.Date) string {
	if d == nil {
		return "Not available"
	}
	return FormatDate(*d)
}

func lastSync(t *time.Time) string {
	if t == nil {
		return "Never"
	}
	return components.DateTime(*t)
}

func itoa(n int) string     { return strconv.Itoa(n) }
func i64(n int64) string    { return strconv.FormatInt(n, 10) }
func termText(m int) string { return strconv.Itoa(m) + " months" }

// status is the purchase's badge: whether it grants seats today.
func status(p models.AddOnPurchase) (text, class string) {
	today := models.Today()
	switch {
	case p.ActiveOn(today):
		return "Active", "badge-success"
	case p.StartedAt != nil && today.Before(*p.StartedAt):
		return "Not started", "badge-neutral"
	}
	return "Expired", "badge-danger"
}

func statusText(p models.AddOnPurchase) string  { t, _ := status(p); return t }
func statusClass(p models.AddOnPurchase) string { _, c := status(p); return c }

// shortName is the add-on as trial messages say it: "Duo Pro".
func shortName(a models.AddOn) string {
	if a == models.AddOnDuoEnterprise {
		return "Duo Enterprise"
	}
	return "Duo Pro"
}

func trialHeading(a models.AddOn) string { return "Introducing the GitLab " + shortName(a) + " add-on" }

func trialBody(a models.AddOn) string {
	return "You can now try GitLab " + shortName(a) + " for free for " + strconv.Itoa(models.TrialDays) + " days, no credit card required."
}

func trialButton(a models.AddOn) string { return "Start a free GitLab " + shortName(a) + " trial" }

func removalReason(r models.Removal) string {
	text := models.ReasonText[r.Reason]
	if r.Rank > 0 {
		why := "no Code Suggestions use since the purchase started"
		if r.UsedSinceStart {
			why = "last used Code Suggestions " + components.Day(*r.LastCodeSuggestionsUsageAt)
		}
		return fmt.Sprintf("%s: %s (removed %s)", capitalize(text), why, ordinal(r.Rank))
	}
	return capitalize(text)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
