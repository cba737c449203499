package accesscache

import (
	"slices"
	"strconv"
	"strings"
)

// Change is what one notification (or one commit of this process) says
// changed, as migration 00030's triggers put it.
type Change struct {
	// All: everything cached may depend on it (instance settings, a
	// purchase, a TRUNCATE, a payload too long for pg_notify, or one this
	// version cannot read).
	All bool
	// Users whose seats, memberships, tokens or account changed.
	Users []int64
	// Groups whose row changed: their settings, path or place, and so
	// everything below them.
	Groups []int64
	// TopLevel groups whose row changed: as Groups, and also their plan and
	// Duo Core setting, which GitLab.com facts read for every user with a
	// seat or membership in them.
	TopLevel []int64
	Projects []int64
}

// Everything is the Change that retires every entry.
var Everything = Change{All: true}

// ParseChange reads a payload: parts joined by ';', each a kind (u, n, t,
// p) and comma-separated ids. Empty (the triggers before 00030), '*', or
// anything it cannot read is Everything: retiring too much is only slower.
func ParseChange(payload string) Change {
	if payload == "" || payload == "*" {
		return Everything
	}
	var c Change
	for part := range strings.SplitSeq(payload, ";") {
		kind, list, ok := strings.Cut(part, ":")
		if !ok || list == "" {
			return Everything
		}
		var ids *[]int64
		switch kind {
		case "u":
			ids = &c.Users
		case "n":
			ids = &c.Groups
		case "t":
			ids = &c.TopLevel
		case "p":
			ids = &c.Projects
		default:
			return Everything
		}
		for id := range strings.SplitSeq(list, ",") {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return Everything
			}
			*ids = append(*ids, n)
		}
	}
	return c
}

// Deps is what a cached entry was read from, as far as a Change can name it.
type Deps struct {
	User int64
	// Groups is the resource's chain of groups (a group's own id among
	// them); Project the project asked about, if one was.
	Groups  []int64
	Project int64
	// NotFound: the entry says the group or project does not exist, which
	// a new group or project, or a renamed or moved one, may end.
	NotFound bool
	// GitLabCom: the entry holds GitLab.com facts (seats on and paid plans
	// of top-level groups).
	GitLabCom bool
}

// Concerns tells whether an entry read from d may be stale after c.
func (c Change) Concerns(d Deps) bool {
	if c.All || slices.Contains(c.Users, d.User) {
		return true
	}
	paths := len(c.Groups)+len(c.TopLevel)+len(c.Projects) > 0
	switch {
	case d.NotFound && paths:
		return true
	case d.GitLabCom && len(c.TopLevel) > 0:
		return true
	case d.Project != 0 && slices.Contains(c.Projects, d.Project):
		return true
	}
	for _, g := range d.Groups {
		if slices.Contains(c.Groups, g) || slices.Contains(c.TopLevel, g) {
			return true
		}
	}
	return false
}
