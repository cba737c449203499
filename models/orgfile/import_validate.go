package orgfile

import (
	"fmt"
	"strings"

	"duoadmin/models"
)

// Validation messages follow "users[3].email: not a valid address".
const (
	msgBlank         = "can't be blank"
	msgEmail         = "not a valid address"
	msgPlan          = "not a plan (free, premium, ultimate)"
	msgState         = "not a state (active, blocked, banned, deactivated)"
	msgUsername      = "not a valid username: use letters, digits, '_', '-' and '.', and do not start with '-' or '.'"
	msgPasswordShort = "too short (minimum is 8 characters)"
)

func (r *importRun) validateInstance() {
	if in := r.doc.Instance; in != nil && in.DuoAvailability != "" {
		if _, err := models.ParseAvailability(string(in.DuoAvailability)); err != nil {
			r.errs.add("instance.duo_availability", "%s", err.Error())
		}
	}
	if in := r.doc.Instance; in != nil && in.Plan != "" && !in.Plan.Valid() {
		r.errs.add("instance.plan", msgPlan)
	}
	r.validateInstanceAI()
}

func (r *importRun) validateUsers() {
	// An address may move to another user only if its holder changes theirs.
	fileEmail := map[string]string{}
	for _, u := range r.doc.Users {
		fileEmail[strings.ToLower(u.Username)] = strings.ToLower(u.Email)
	}
	emailAt := map[string]int{}
	for i, u := range r.doc.Users {
		p := fmt.Sprintf("users[%d]", i)
		key := strings.ToLower(u.Username)
		if !models.ValidUsername(u.Username) {
			r.errs.add(p+".username", msgUsername)
		} else if j, dup := r.fileUsers[key]; dup {
			r.errs.add(p+".username", "duplicate of users[%d]", j)
		} else {
			r.fileUsers[key] = i
		}
		if strings.TrimSpace(u.Name) == "" {
			r.errs.add(p+".name", msgBlank)
		}
		email := strings.ToLower(u.Email)
		switch {
		case u.Email == "":
			r.errs.add(p+".email", msgBlank)
		case !models.ValidEmail(u.Email):
			r.errs.add(p+".email", msgEmail)
		default:
			if j, dup := emailAt[email]; dup {
				r.errs.add(p+".email", "already used by users[%d]", j)
				break
			}
			emailAt[email] = i
			holder := r.emails[email]
			if holder == nil || strings.ToLower(holder.Username) == key {
				break
			}
			if moved, inFile := fileEmail[strings.ToLower(holder.Username)]; !inFile || moved == email {
				r.errs.add(p+".email", "has already been taken by user %s", holder.Username)
			}
		}
		if u.Password != "" && len(u.Password) < models.MinPasswordLength {
			r.errs.add(p+".password", msgPasswordShort)
		}
		if u.State != "" && !u.State.Valid() {
			r.errs.add(p+".state", msgState)
		}
		r.checkDate(p+".last_activity_on", u.LastActivityOn)
		r.checkDate(p+".last_duo_activity_on", u.LastDuoActivityOn)
		if v := u.LastCodeSuggestionsUsageAt.Value; v != nil {
			r.checkTimestamp(p+".last_code_suggestions_usage_at", *v)
		}
	}
}

func (r *importRun) checkDate(path string, d Nullable[string]) {
	if d.Value == nil {
		return
	}
	if _, err := models.ParseDate(*d.Value); err != nil {
		r.errs.add(path, "%s", err.Error())
	}
}

// fullPathProblem checks each segment of "acme/platform/api".
func fullPathProblem(fullPath string) string {
	if fullPath == "" {
		return msgBlank
	}
	return models.FullPathProblem(fullPath)
}

func (r *importRun) validateGroups() {
	valid := make([]bool, len(r.doc.Groups))
	for i, g := range r.doc.Groups {
		p := fmt.Sprintf("groups[%d]", i)
		key := strings.ToLower(g.Path)
		if msg := fullPathProblem(g.Path); msg != "" {
			r.errs.add(p+".path", "%s", msg)
		} else if j, dup := r.fileGroups[key]; dup {
			r.errs.add(p+".path", "duplicate of groups[%d]", j)
		} else {
			r.fileGroups[key] = i
			valid[i] = true
		}
		if g.DuoAvailability != "" {
			if _, err := models.ParseAvailability(string(g.DuoAvailability)); err != nil {
				r.errs.add(p+".duo_availability", "%s", err.Error())
			}
		}
		if strings.TrimSpace(g.Name) == "" {
			r.errs.add(p+".name", msgBlank)
		}
		if g.DuoCoreEnabled != nil && strings.Contains(g.Path, "/") {
			r.errs.add(p+".duo_core_enabled", "%s", models.ErrDuoCoreRootOnly.Error())
		}
		if g.Plan != "" {
			if !g.Plan.Valid() {
				r.errs.add(p+".plan", msgPlan)
			} else if strings.Contains(g.Path, "/") {
				r.errs.add(p+".plan", "can only be set on a top-level group")
			}
		}
	}
	// Parents may come later in the file, so look them up once all are known.
	for i, g := range r.doc.Groups {
		if !valid[i] {
			continue
		}
		p := fmt.Sprintf("groups[%d].path", i)
		if parent := parentPath(g.Path); parent != "" && !r.groupKnown(parent) {
			r.errs.add(p, "parent group %s is not in the file or the database", parent)
		}
		if r.projects[strings.ToLower(g.Path)] != nil {
			r.errs.add(p, "has already been taken by a project")
		}
	}
}

func (r *importRun) validateProjects() {
	for i, pr := range r.doc.Projects {
		p := fmt.Sprintf("projects[%d]", i)
		key := strings.ToLower(pr.Path)
		switch msg := fullPathProblem(pr.Path); {
		case msg != "":
			r.errs.add(p+".path", "%s", msg)
		case !strings.Contains(pr.Path, "/"):
			r.errs.add(p+".path", "must be inside a group (group/project)")
		default:
			if j, dup := r.fileProjects[key]; dup {
				r.errs.add(p+".path", "duplicate of projects[%d]", j)
				break
			}
			r.fileProjects[key] = i
			if j, clash := r.fileGroups[key]; clash {
				r.errs.add(p+".path", "is also a group (groups[%d])", j)
			} else if r.groups[key] != nil {
				r.errs.add(p+".path", "has already been taken by a group")
			}
			if parent := parentPath(pr.Path); !r.groupKnown(parent) {
				r.errs.add(p+".path", "group %s is not in the file or the database", parent)
			}
		}
		if strings.TrimSpace(pr.Name) == "" {
			r.errs.add(p+".name", msgBlank)
		}
	}
}

func (r *importRun) checkAccessLevel(path, level string) {
	if level == "" {
		r.errs.add(path, msgBlank)
	} else if _, err := models.ParseAccessLevel(level); err != nil {
		r.errs.add(path, "%s", err.Error())
	}
}

func (r *importRun) validateMembers() {
	seen := map[string]int{}
	for i, m := range r.doc.Members {
		p := fmt.Sprintf("members[%d]", i)
		userOK, sourceOK := false, false
		switch {
		case m.User == "":
			r.errs.add(p+".user", msgBlank)
		case !r.userKnown(m.User):
			r.errs.add(p+".user", "no user %s in the file or the database", m.User)
		default:
			userOK = true
		}
		switch {
		case m.Source == "":
			r.errs.add(p+".source", msgBlank)
		case !r.groupKnown(m.Source) && !r.projectKnown(m.Source):
			r.errs.add(p+".source", "no group or project %s in the file or the database", m.Source)
		default:
			sourceOK = true
		}
		r.checkAccessLevel(p+".access_level", m.AccessLevel)
		if userOK && sourceOK {
			key := strings.ToLower(m.User) + " " + strings.ToLower(m.Source)
			if j, dup := seen[key]; dup {
				r.errs.add(p, "duplicate of members[%d] (same user and source)", j)
			} else {
				seen[key] = i
			}
		}
	}
}

func (r *importRun) validateGroupLinks() {
	seen := map[string]int{}
	for i, l := range r.doc.GroupLinks {
		p := fmt.Sprintf("group_links[%d]", i)
		sharedOK, withOK := false, false
		switch {
		case (l.SharedGroup == "") == (l.SharedProject == ""):
			r.errs.add(p, "needs exactly one of shared_group and shared_project")
		case l.SharedGroup != "" && !r.groupKnown(l.SharedGroup):
			r.errs.add(p+".shared_group", "no group %s in the file or the database", l.SharedGroup)
		case l.SharedProject != "" && !r.projectKnown(l.SharedProject):
			r.errs.add(p+".shared_project", "no project %s in the file or the database", l.SharedProject)
		default:
			sharedOK = true
		}
		switch {
		case l.WithGroup == "":
			r.errs.add(p+".with_group", msgBlank)
		case !r.groupKnown(l.WithGroup):
			r.errs.add(p+".with_group", "no group %s in the file or the database", l.WithGroup)
		case strings.EqualFold(l.WithGroup, l.SharedGroup):
			r.errs.add(p+".with_group", "cannot share a group with itself")
		default:
			withOK = true
		}
		r.checkAccessLevel(p+".access_level", l.AccessLevel)
		if sharedOK && withOK {
			key := "group " + strings.ToLower(l.SharedGroup) + " project " + strings.ToLower(l.SharedProject) +
				" with " + strings.ToLower(l.WithGroup)
			if j, dup := seen[key]; dup {
				r.errs.add(p, "duplicate of group_links[%d]", j)
			} else {
				seen[key] = i
			}
		}
	}
}
