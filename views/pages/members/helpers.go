package members

import (
	"strconv"
	"strings"

	"duoadmin/models"
)

type badge struct{ Text, Class string }

func badges(m models.MemberListRow, viewerID int64) []badge {
	var out []badge
	if m.UserID == viewerID {
		out = append(out, badge{"It's you", "badge-success"})
	}
	switch m.User.State {
	case models.StateBlocked:
		out = append(out, badge{"Blocked", "badge-danger"})
	case models.StateBanned:
		out = append(out, badge{"Banned", "badge-danger"})
	case models.StateDeactivated:
		out = append(out, badge{"Deactivated", "badge-neutral"})
	}
	if m.User.Bot {
		out = append(out, badge{"Bot", "badge-neutral"})
	}
	if m.Pending {
		out = append(out, badge{"Pending invite", "badge-warning"})
	}
	return out
}

func memberURL(base string, id int64, suffix string) string {
	return base + "/" + strconv.FormatInt(id, 10) + suffix
}

// duoTabURL is a group member's GitLab Duo page; projects have none.
func duoTabURL(base string, id int64) string {
	if !strings.HasPrefix(base, "/groups/") {
		return ""
	}
	return memberURL(base, id, "/gitlab_duo")
}

// defaultRole is Guest, as GitLab's invite dialog starts.
func defaultRole(lvl models.AccessLevel) models.AccessLevel {
	if lvl.Valid() {
		return lvl
	}
	return models.Guest
}

func membersCount(n int64, inherits bool) string {
	s := strconv.FormatInt(n, 10) + " members"
	if n == 1 {
		s = "1 member"
	}
	if inherits {
		s += ", including those inherited from parent groups"
	}
	return s
}

func initial(name string) string {
	for _, r := range name {
		return string(r)
	}
	return "?"
}
