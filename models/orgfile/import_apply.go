package orgfile

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"duoadmin/models"
)

// setCol assigns v and notes the column when it differs, so unchanged rows
// are not written and keep their updated_at.
func setCol[T comparable](cols *[]string, col string, dst *T, v T) {
	if *dst != v {
		*dst = v
		*cols = append(*cols, col)
	}
}

func setColPtr[T comparable](cols *[]string, col string, dst *T, v *T) {
	if v != nil {
		setCol(cols, col, dst, *v)
	}
}

// setColDate applies a Nullable date: unset keeps, null clears.
func setColDate(cols *[]string, col string, dst **models.Date, v Nullable[string]) {
	if !v.Set {
		return
	}
	var next *models.Date
	if v.Value != nil {
		d, _ := models.ParseDate(*v.Value) // validated
		next = &d
	}
	same := (*dst == nil && next == nil) || (*dst != nil && next != nil && (*dst).String() == next.String())
	if !same {
		*dst = next
		*cols = append(*cols, col)
	}
}

// setColTime applies a Nullable RFC 3339 timestamp: unset keeps, null clears.
func setColTime(cols *[]string, col string, dst **time.Time, v Nullable[string]) {
	if !v.Set {
		return
	}
	var next *time.Time
	if v.Value != nil {
		t, _ := parseTimestamp(*v.Value) // validated
		next = &t
	}
	same := (*dst == nil && next == nil) || (*dst != nil && next != nil && sameInstant(**dst, *next))
	if !same {
		*dst = next
		*cols = append(*cols, col)
	}
}

func (r *importRun) applyInstance(ctx context.Context) (ImportCounts, error) {
	in := r.doc.Instance
	if in == nil {
		return ImportCounts{}, nil
	}
	c := ImportCounts{InFile: 1}
	st, err := r.tx.InstanceSettings(ctx)
	if err != nil {
		return c, err
	}
	var cols []string
	setCol(&cols, "plan", &st.Plan, cmp.Or(in.Plan, st.Plan))
	setColPtr(&cols, "duo_core_features_enabled", &st.DuoCoreFeaturesEnabled, in.DuoCoreEnabled)
	if in.DuoAvailability != "" {
		// A file states each level's own setting, so nothing cascades.
		v, lock := in.DuoAvailability.Stored()
		setCol(&cols, "duo_features_enabled", &st.DuoFeaturesEnabled, v)
		setCol(&cols, "lock_duo_features_enabled", &st.LockDuoFeaturesEnabled, lock)
	}
	applyInstanceAI(&cols, st, in)
	if len(cols) == 0 {
		return c, nil
	}
	c.Updated = 1
	return c, r.tx.SaveImportedInstance(ctx, st, cols)
}

// hashPasswords returns the new hash of each user (by index) whose given
// password is not already the stored one. bcrypt is slow by design, so the
// work is spread over the CPUs.
func (r *importRun) hashPasswords() (map[int]string, error) {
	type job struct {
		i        int
		password string
		current  *models.User
	}
	var jobs []job
	for i, u := range r.doc.Users {
		if u.Password != "" {
			jobs = append(jobs, job{i, u.Password, r.users[strings.ToLower(u.Username)]})
		}
	}
	hashes := make([]string, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for k, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if j.current != nil && j.current.PasswordMatches(j.password) {
				return
			}
			hashes[k], errs[k] = r.tx.HashPassword(j.password)
		})
	}
	wg.Wait()
	out := map[int]string{}
	for k, j := range jobs {
		if errs[k] != nil {
			return nil, errs[k]
		}
		if hashes[k] != "" {
			out[j.i] = hashes[k]
		}
	}
	return out, nil
}

func (r *importRun) applyUsers(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.Users)}
	hashes, err := r.hashPasswords()
	if err != nil {
		return c, err
	}
	var created []models.User
	var updates []models.UserUpdate
	for i, d := range r.doc.Users {
		cur := r.users[strings.ToLower(d.Username)]
		if cur == nil {
			u := models.User{Username: d.Username, State: models.StateActive}
			var ignored []string
			r.fillUser(&u, &ignored, d, hashes[i])
			created = append(created, u)
			continue
		}
		next := *cur
		var cols []string
		r.fillUser(&next, &cols, d, hashes[i])
		if len(cols) > 0 {
			from := cur.State
			*cur = next
			updates = append(updates, models.UserUpdate{User: cur, Cols: cols, From: from})
		}
	}
	if err := r.tx.ImportUsers(ctx, updates, created); err != nil {
		return c, err
	}
	c.Updated = len(updates)
	for i := range created {
		r.users[strings.ToLower(created[i].Username)] = &created[i]
	}
	c.Created = len(created)
	return c, nil
}

func (r *importRun) fillUser(u *models.User, cols *[]string, d UserDoc, hash string) {
	setCol(cols, "name", &u.Name, strings.TrimSpace(d.Name))
	setCol(cols, "email", &u.Email, d.Email)
	setColPtr(cols, "public_email", &u.PublicEmail, d.PublicEmail)
	if hash != "" {
		setCol(cols, "password_hash", &u.PasswordHash, hash)
	}
	if d.State != "" {
		setCol(cols, "state", &u.State, d.State)
	}
	setColPtr(cols, "bot", &u.Bot, d.Bot)
	setColPtr(cols, "admin", &u.Admin, d.Admin)
	setColPtr(cols, "auditor", &u.Auditor, d.Auditor)
	setColDate(cols, "last_activity_on", &u.LastActivityOn, d.LastActivityOn)
	setColDate(cols, "last_duo_activity_on", &u.LastDuoActivityOn, d.LastDuoActivityOn)
	setColTime(cols, "last_code_suggestions_usage_at", &u.LastCodeSuggestionsUsageAt, d.LastCodeSuggestionsUsageAt)
}

func (r *importRun) applyGroups(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.Groups)}
	// Parents first, whatever order the file lists them in.
	order := make([]int, len(r.doc.Groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(pathDepth(r.doc.Groups[a].Path), pathDepth(r.doc.Groups[b].Path))
	})
	var duoWritten []int // file indexes of groups whose GitLab Duo setting is written
	for _, i := range order {
		d := r.doc.Groups[i]
		key := strings.ToLower(d.Path)
		if g := r.groups[key]; g != nil {
			var cols []string
			setCol(&cols, "name", &g.Name, strings.TrimSpace(d.Name))
			if g.TopLevel() && d.Plan != "" {
				setCol(&cols, "plan", &g.Plan, d.Plan)
			}
			if g.TopLevel() {
				setColPtr(&cols, "duo_core_features_enabled", &g.DuoCoreFeaturesEnabled, d.DuoCoreEnabled)
			}
			if d.DuoAvailability != "" {
				v, lock := d.DuoAvailability.Stored()
				if g.DuoFeaturesEnabled == nil || *g.DuoFeaturesEnabled != v {
					g.DuoFeaturesEnabled = &v
					cols = append(cols, "duo_features_enabled")
				}
				setCol(&cols, "lock_duo_features_enabled", &g.LockDuoFeaturesEnabled, lock)
				if slices.Contains(cols, "duo_features_enabled") || slices.Contains(cols, "lock_duo_features_enabled") {
					duoWritten = append(duoWritten, i)
				}
			}
			if len(cols) > 0 {
				if err := r.tx.UpdateImportedGroup(ctx, g, cols); err != nil {
					return c, err
				}
				c.Updated++
			}
			continue
		}
		g := &models.Group{Path: lastSegment(d.Path), FullPath: d.Path, Name: strings.TrimSpace(d.Name), Plan: cmp.Or(d.Plan, models.PlanFree),
			DuoCoreFeaturesEnabled: d.DuoCoreEnabled != nil && *d.DuoCoreEnabled}
		if d.DuoAvailability != "" {
			v, lock := d.DuoAvailability.Stored()
			g.DuoFeaturesEnabled, g.LockDuoFeaturesEnabled = &v, lock
			duoWritten = append(duoWritten, i)
		}
		parent := r.groups[strings.ToLower(parentPath(d.Path))]
		if parent != nil {
			pid := parent.ID
			g.ParentID, g.Plan = &pid, ""
			g.FullPath = parent.FullPath + "/" + g.Path
		}
		if err := r.tx.CreateImportedGroup(ctx, g, parent); err != nil {
			return c, err
		}
		r.groups[key] = g
		c.Created++
	}
	// Lock problems are reported with the projects' (applyProjects fails
	// the import), so one run lists them all.
	return c, r.checkGroupLocks(ctx, duoWritten)
}

func (r *importRun) applyProjects(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.Projects)}
	r.projectDocs = map[string]ProjectDoc{}
	for _, d := range r.doc.Projects {
		r.projectDocs[strings.ToLower(d.Path)] = d
	}
	var created []models.Project
	var createdEnabled []bool // what each new project starts with (the insert may read the default back)
	var duoWritten []int      // file indexes of projects whose stated value is written
	for i, d := range r.doc.Projects {
		if p := r.projects[strings.ToLower(d.Path)]; p != nil {
			var cols []string
			setCol(&cols, "name", &p.Name, strings.TrimSpace(d.Name))
			if d.DuoFeaturesEnabled != nil {
				setCol(&cols, "duo_features_enabled", &p.DuoFeaturesEnabled, *d.DuoFeaturesEnabled)
				if slices.Contains(cols, "duo_features_enabled") {
					duoWritten = append(duoWritten, i)
				}
			}
			if len(cols) > 0 {
				if err := r.tx.UpdateImportedProject(ctx, p, cols); err != nil {
					return c, err
				}
				c.Updated++
			}
			continue
		}
		g := r.groups[strings.ToLower(parentPath(d.Path))]
		// A project that states no value starts with its group's effective one.
		var enabled bool
		if d.DuoFeaturesEnabled != nil {
			enabled = *d.DuoFeaturesEnabled
			duoWritten = append(duoWritten, i)
		} else {
			duo, err := r.duoChains(ctx)
			if err != nil {
				return c, err
			}
			enabled = duo.group(g).Enabled
		}
		created = append(created, models.Project{NamespaceID: g.ID, Path: lastSegment(d.Path),
			FullPath: g.FullPath + "/" + lastSegment(d.Path), Name: strings.TrimSpace(d.Name)})
		createdEnabled = append(createdEnabled, enabled)
	}
	if err := r.tx.CreateImportedProjects(ctx, created, createdEnabled); err != nil {
		return c, err
	}
	for i := range created {
		r.projects[strings.ToLower(created[i].FullPath)] = &created[i]
	}
	c.Created = len(created)
	if err := r.checkProjectLocks(ctx, duoWritten); err != nil {
		return c, err
	}
	return c, r.errs.orNil()
}
