// Package assignmentrules holds Settings > GitLab Duo > Assignment rules:
// the rules of a purchase, the rule form with its count of matching users,
// the diff a change or a sync would make, and the runs the guard held.
package assignmentrules

import (
	"fmt"

	"duoadmin/models"
	"duoadmin/views/components"
)

// ListProps is the rules screen.
type ListProps struct {
	Base        string
	SeatsPath   string
	Purchase    *models.AddOnPurchase // nil: no purchase, nothing to set up
	Assigned    int64
	Rules       []models.AssignmentRule
	Held        []HeldRun
	Guard       models.RemovalGuard
	GuardErrs   models.FieldErrors
	SelfManaged bool
}

// HeldRun is a run the guard held, with its diff.
type HeldRun struct {
	Run  models.SeatSyncRun
	Diff *models.RuleDiff
}

// FormProps is the rule form.
type FormProps struct {
	Title  string
	Base   string
	Action string // …/preview
	Values models.RuleInput
	// Count is the users the rule matches, after "Count".
	Count       *int
	Errs        models.FieldErrors
	SelfManaged bool
}

// DiffProps is a diff to confirm.
type DiffProps struct {
	Base    string
	Title   string
	Diff    *models.RuleDiff
	Action  string // where Confirm posts
	Confirm string
	Danger  bool
	// Values are the rule form's, posted again with the confirmation.
	Values models.RuleInput
	Note   string
}

// listed is how many users of each list a page shows.
const listed = 200

func first(us []models.RuleDiffUser) []models.RuleDiffUser { return us[:min(len(us), listed)] }

func more(us []models.RuleDiffUser) string {
	if len(us) <= listed {
		return ""
	}
	return fmt.Sprintf("… and %d more", len(us)-listed)
}

func users(n int) string {
	if n == 1 {
		return "1 user"
	}
	return fmt.Sprintf("%d users", n)
}

// WaitingText is GitLab's sentence for the queue: "12 users are waiting for a seat".
func WaitingText(n int) string {
	if n == 1 {
		return "1 user is waiting for a seat"
	}
	return fmt.Sprintf("%d users are waiting for a seat", n)
}

// HeldTitle: "Held: this sync would remove 412 seats" ("this reclaim"
// for the reclaim job's runs).
func HeldTitle(r models.SeatSyncRun) string {
	what := "sync"
	if r.Kind == models.SyncKindReclaim {
		what = "reclaim"
	}
	if r.Losses == 1 {
		return "Held: this " + what + " would remove 1 seat"
	}
	return fmt.Sprintf("Held: this %s would remove %d seats", what, r.Losses)
}

// GainsAppliedText: a held run's gains did not wait for the decision.
func GainsAppliedText(n int) string {
	if n == 1 {
		return "Already applied: 1 user gained a seat; only the removals wait for approval."
	}
	return fmt.Sprintf("Already applied: %d users gained a seat; only the removals wait for approval.", n)
}

// DiffSummary is a diff in one sentence, for flashes and the diff page.
func DiffSummary(d *models.RuleDiff) string {
	if d == nil {
		return ""
	}
	s := fmt.Sprintf("%s gain a seat, %s lose one.", users(len(d.Gains)), users(len(d.Losses)))
	if d.Empty() {
		s = "No seat changes."
	}
	if len(d.Waiting) > 0 {
		s += " " + WaitingText(len(d.Waiting)) + "."
	}
	return s
}

func i64(n int64) string { return fmt.Sprint(n) }

func itoa(n int) string { return fmt.Sprint(n) }

func runDate(r models.SeatSyncRun) string { return components.DateTime(r.CreatedAt) }

func expiresDate(r models.SeatSyncRun) string {
	if r.ExpiresAt == nil {
		return ""
	}
	return components.Day(*r.ExpiresAt)
}

func roleOptions() []models.AccessLevel { return models.AccessLevels }

func ruleMode(mode string) string { return models.RuleModeTitle(mode) }

const maxWindowHours = models.MaxRemovalWindowHours
