package admin

import (
	"net/url"
	"strconv"
	"time"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
)

// UserPath is the admin page of a user; usernames are URL-safe, but a
// username from an import should not be able to break the link.
func UserPath(u *models.User) string { return "/admin/users/" + url.PathEscape(u.Username) }

func userDate(t time.Time) string { return components.Day(t) }

func activeSessionsText(n int64) string {
	switch n {
	case 0:
		return "No browser is signed in as this user."
	case 1:
		return "1 browser is signed in as this user."
	}
	return strconv.FormatInt(n, 10) + " browsers are signed in as this user."
}

func userLastActivity(u *models.User) string {
	if u.LastActivityOn == nil {
		return "Never"
	}
	return components.Date(*u.LastActivityOn)
}

// UserAccessLevel is the form value of a user's instance role, as GitLab's
// admin form names it; an admin who is also an auditor is an admin.
func UserAccessLevel(u *models.User) string {
	switch {
	case u.Admin:
		return "admin"
	case u.Auditor:
		return "auditor"
	}
	return "regular"
}

func userAccessLevelTitle(u *models.User) string {
	switch UserAccessLevel(u) {
	case "admin":
		return "Administrator"
	case "auditor":
		return "Auditor"
	}
	return "Regular"
}

func userStateTitle(s models.UserState) string {
	switch s {
	case models.StateActive:
		return "Active"
	case models.StateBlocked:
		return "Blocked"
	case models.StateBanned:
		return "Banned"
	case models.StateDeactivated:
		return "Deactivated"
	}
	return string(s)
}

type userBadge struct{ Text, Class string }

// userBadges are the labels GitLab puts next to a user's name in the admin area.
func userBadges(u *models.User, viewerID int64) []userBadge {
	var out []userBadge
	if u.Admin {
		out = append(out, userBadge{"Admin", "badge-success"})
	}
	if u.Auditor {
		out = append(out, userBadge{"Auditor", "badge-info"})
	}
	if u.Bot {
		out = append(out, userBadge{"Bot", "badge-neutral"})
	}
	switch u.State {
	case models.StateBlocked:
		out = append(out, userBadge{"Blocked", "badge-danger"})
	case models.StateBanned:
		out = append(out, userBadge{"Banned", "badge-danger"})
	case models.StateDeactivated:
		out = append(out, userBadge{"Deactivated", "badge-warning"})
	}
	if u.ID == viewerID {
		out = append(out, userBadge{"It's you!", "badge-neutral"})
	}
	return out
}

type usersTab struct {
	Text   string
	Href   string
	Count  int64
	Active bool
}

// usersTabs switch the state or role filter and keep the search.
func usersTabs(p UsersProps) []usersTab {
	c := p.Counts
	tabs := []struct {
		text, key, value string
		count            int64
	}{
		{"All", "", "", c.Total},
		{"Active", "state", "active", c.Active},
		{"Admins", "role", "admins", c.Admins},
		{"Auditors", "role", "auditors", c.Auditors},
		{"Bots", "role", "bots", c.Bots},
		{"Blocked", "state", "blocked", c.Blocked},
		{"Banned", "state", "banned", c.Banned},
		{"Deactivated", "state", "deactivated", c.Deactivated},
	}
	current := ""
	switch {
	case p.State != "" && p.Role == "":
		current = "state=" + string(p.State)
	case p.Role != "" && p.State == "":
		current = "role=" + p.Role
	case p.Role == "" && p.State == "":
		current = "="
	}
	out := make([]usersTab, 0, len(tabs))
	for _, t := range tabs {
		q := url.Values{}
		if p.Search != "" {
			q.Set("search", p.Search)
		}
		if p.PerPage != models.PerPageChoices[0] {
			q.Set("per_page", strconv.Itoa(p.PerPage))
		}
		if t.key != "" {
			q.Set(t.key, t.value)
		}
		href := "/admin/users"
		if len(q) > 0 {
			href += "?" + q.Encode()
		}
		out = append(out, usersTab{Text: t.text, Href: href, Count: t.count, Active: current == t.key+"="+t.value})
	}
	return out
}

type perPageLink struct {
	N      int
	Href   string
	Active bool
}

// perPageLinks change the page size, keep the filters and go back to page 1.
func perPageLinks(p UsersProps) []perPageLink {
	var out []perPageLink
	for _, n := range models.PerPageChoices {
		q := url.Values{}
		for k, v := range p.Query {
			q[k] = v
		}
		q.Set("per_page", strconv.Itoa(n))
		out = append(out, perPageLink{N: n, Href: "/admin/users?" + q.Encode(), Active: n == p.PerPage})
	}
	return out
}

// UserTab is one tab of a user's admin page; later screens append theirs.
type UserTab struct {
	Text string
	Href string
}

func UserTabs(u *models.User) []UserTab {
	return []UserTab{{Text: "Account", Href: UserPath(u)}, {Text: "GitLab Duo", Href: UserPath(u) + "/gitlab_duo"}}
}

type userAction struct {
	Action string // the URL segment: /admin/users/:username/:action
	Title  string
	Help   string
	Button string
	Danger bool
}

// userActions are the state changes the user's current state allows; an
// admin is not offered the ones that would lock themselves out.
func userActions(u *models.User, self bool) []userAction {
	block := userAction{"block", "Block this user", "A blocked user cannot sign in or use GitLab Duo. You can unblock them at any time.", "Block", true}
	switch u.State {
	case models.StateActive:
		if self {
			return nil
		}
		return []userAction{
			{"deactivate", "Deactivate this user", "A deactivated user cannot use the instance until they sign in again, which reactivates them.", "Deactivate", false},
			block,
			{"ban", "Ban this user", "A banned user cannot sign in. Ban users who abuse the instance; you can unban them later.", "Ban user", true},
		}
	case models.StateBlocked:
		return []userAction{{"unblock", "Unblock this user", "The user can sign in again.", "Unblock", false}}
	case models.StateBanned:
		return []userAction{{"unban", "Unban this user", "The user can sign in again.", "Unban", false}}
	case models.StateDeactivated:
		return []userAction{{"activate", "Activate this user", "The user becomes active again without having to sign in.", "Activate", false}, block}
	}
	return nil
}

func userViewerID(ch layouts.Chrome) int64 {
	if ch.Viewer == nil {
		return 0
	}
	return ch.Viewer.ID
}
