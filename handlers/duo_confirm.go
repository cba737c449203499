package handlers

import (
	"fmt"
	"strings"

	"duoadmin/models"
	"duoadmin/views/pages/duo"
)

// The wording of the GitLab Duo availability confirmations: what changes,
// the locks below that Always off replaces, and who loses GitLab Duo by
// it. Zero counts are left out, never shown as "0 subgroups".

const msgSettingsReplaced = "Settings chosen below this level are replaced, and cannot be restored automatically."

// resetConfirm asks before a change that is not Always off resets the
// settings of descendants.
func resetConfirm(n models.CascadeImpact, a models.Availability, instance bool) *duo.ConfirmProps {
	return &duo.ConfirmProps{Heading: "Change GitLab Duo availability?", Message: resetMessage(n, a, instance),
		Details: []string{msgSettingsReplaced}, Submit: "Change to " + a.Title()}
}

// resetMessage is "This resets 2 subgroups and 3 projects to Off by
// default." ("groups" for the instance).
func resetMessage(n models.CascadeImpact, a models.Availability, instance bool) string {
	return fmt.Sprintf("This resets %s to %s.", andList(counts(n.Subgroups, groupNoun(instance), n.Projects)), a.Title())
}

// alwaysOffConfirm asks before a scope turns Always off. name is the
// group's name, or "" for the instance.
func alwaysOffConfirm(name string, pv models.AlwaysOffPreview, experimentOn bool) *duo.ConfirmProps {
	instance := name == ""
	p := &duo.ConfirmProps{Danger: true, Replaced: pv.Replaced, ReplacedTotal: pv.ReplacedTotal,
		Submit: lockLabel(pv, instance), Users: usersLosing(pv.SeatUsers, instance)}
	below := counts(pv.Groups, groupNoun(instance), pv.Projects)
	if instance {
		p.Heading = "Turn GitLab Duo always off for the instance?"
		p.Message = "GitLab Duo will be always off for the whole instance"
		if len(below) > 0 {
			p.Message += ", in " + andList(below)
		}
		p.Message += ". No group, subgroup, or project can turn it on."
	} else {
		p.Heading = "Turn GitLab Duo always off for " + name + "?"
		scope := []string{name}
		for _, c := range below {
			scope = append(scope, "its "+c)
		}
		p.Message = "GitLab Duo will be always off in " + andList(scope) + ". No subgroup or project in it can turn it on."
	}
	if experimentOn {
		p.Details = append(p.Details, "Experiment and beta features are turned off.")
	}
	if len(below) > 0 {
		p.Details = append(p.Details, msgSettingsReplaced)
	}
	return p
}

// lockLabel names the action: "Lock 35 subgroups and projects", "Lock 1
// project"; with nothing below, "Turn always off".
func lockLabel(pv models.AlwaysOffPreview, instance bool) string {
	noun := groupNoun(instance)
	switch {
	case pv.Groups > 0 && pv.Projects > 0:
		return fmt.Sprintf("Lock %d %ss and projects", pv.Groups+pv.Projects, noun)
	case pv.Groups > 0:
		return "Lock " + countOf(pv.Groups, noun)
	case pv.Projects > 0:
		return "Lock " + countOf(pv.Projects, "project")
	}
	return "Turn always off"
}

func usersLosing(n int64, instance bool) string {
	switch {
	case n == 0 && instance:
		return "No user holds a GitLab Duo seat."
	case n == 0:
		return "No member here holds a GitLab Duo seat."
	case n == 1 && instance:
		return "1 user with a GitLab Duo seat loses GitLab Duo."
	case n == 1:
		return "1 user with a GitLab Duo seat loses GitLab Duo in these groups and projects."
	case instance:
		return fmt.Sprintf("%d users with a GitLab Duo seat lose GitLab Duo.", n)
	}
	return fmt.Sprintf("%d users with a GitLab Duo seat lose GitLab Duo in these groups and projects.", n)
}

func groupNoun(instance bool) string {
	if instance {
		return "group"
	}
	return "subgroup"
}

// counts words the non-zero counts: ["2 subgroups", "1 project"].
func counts(groups int64, groupNoun string, projects int64) []string {
	var out []string
	if groups > 0 {
		out = append(out, countOf(groups, groupNoun))
	}
	if projects > 0 {
		out = append(out, countOf(projects, "project"))
	}
	return out
}

func countOf(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// andList joins "a", "a and b", "a, b, and c".
func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + ", and " + items[len(items)-1]
}
