package orgfile

import (
	"context"
	"fmt"
	"strings"

	"duoadmin/models"
)

// sourceOf resolves a member source path after groups and projects are applied.
func (r *importRun) sourceOf(path string) models.Source {
	k := strings.ToLower(path)
	if g := r.groups[k]; g != nil {
		return models.GroupSource(g)
	}
	p := r.projects[k]
	return models.Source{Type: models.SourceProject, ID: p.ID, FullPath: p.FullPath}
}

// loadMembers reads the memberships of the existing sources the file names.
func (r *importRun) loadMembers(ctx context.Context) error {
	r.members = map[memberKey]*models.Member{}
	var groupIDs, projectIDs []int64
	for _, m := range r.doc.Members {
		k := strings.ToLower(m.Source)
		if g := r.groups[k]; g != nil {
			groupIDs = append(groupIDs, g.ID)
		} else if p := r.projects[k]; p != nil {
			projectIDs = append(projectIDs, p.ID)
		}
	}
	for _, part := range []struct {
		typ string
		ids []int64
	}{{models.SourceGroup, models.UniqueIDs(groupIDs)}, {models.SourceProject, models.UniqueIDs(projectIDs)}} {
		ms, err := r.tx.MembersOfSources(ctx, part.typ, part.ids)
		if err != nil {
			return err
		}
		for i := range ms {
			m := &ms[i]
			r.members[memberKey{m.SourceType, m.SourceID, m.UserID}] = m
		}
	}
	return nil
}

func (r *importRun) applyMembers(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.Members)}
	var created []models.Member
	demoted := map[int64]int{} // top-level group id → members[i] that took an owner away
	for i, d := range r.doc.Members {
		u := r.users[strings.ToLower(d.User)]
		src := r.sourceOf(d.Source)
		level, _ := models.ParseAccessLevel(d.AccessLevel) // validated
		m := r.members[memberKey{src.Type, src.ID, u.ID}]
		if m == nil {
			created = append(created, models.Member{UserID: u.ID, SourceType: src.Type, SourceID: src.ID,
				AccessLevel: level, Pending: d.Pending != nil && *d.Pending})
			continue
		}
		wasOwner := m.AccessLevel == models.Owner && !m.Pending
		var cols []string
		setCol(&cols, "access_level", &m.AccessLevel, level)
		setColPtr(&cols, "pending", &m.Pending, d.Pending)
		if len(cols) == 0 {
			continue
		}
		if err := r.tx.UpdateImportedMember(ctx, m, cols); err != nil {
			return c, err
		}
		c.Updated++
		if wasOwner && src.TopLevel && (m.AccessLevel != models.Owner || m.Pending) {
			demoted[src.ID] = i
		}
	}
	if err := r.tx.CreateImportedMembers(ctx, created); err != nil {
		return c, err
	}
	c.Created = len(created)
	return c, r.checkOwnersLeft(ctx, demoted)
}

// checkOwnersLeft keeps GitLab's rule that a top-level group has an owner.
func (r *importRun) checkOwnersLeft(ctx context.Context, demoted map[int64]int) error {
	for groupID, i := range demoted {
		n, err := r.tx.ActiveOwnerCount(ctx, groupID)
		if err != nil {
			return err
		}
		if n == 0 {
			r.errs.add(fmt.Sprintf("members[%d].access_level", i), "%s", models.ErrLastOwner.Error())
		}
	}
	return r.errs.orNil()
}

func (r *importRun) loadGroupLinks(ctx context.Context) error {
	r.groupLinks, r.projectLinks = map[[2]int64]*models.GroupGroupLink{}, map[[2]int64]*models.ProjectGroupLink{}
	var groupIDs, projectIDs []int64
	for _, l := range r.doc.GroupLinks {
		if g := r.groups[strings.ToLower(l.SharedGroup)]; g != nil {
			groupIDs = append(groupIDs, g.ID)
		}
		if p := r.projects[strings.ToLower(l.SharedProject)]; p != nil {
			projectIDs = append(projectIDs, p.ID)
		}
	}
	gls, err := r.tx.GroupLinksOfSharedGroups(ctx, models.UniqueIDs(groupIDs))
	if err != nil {
		return err
	}
	for i := range gls {
		r.groupLinks[[2]int64{gls[i].SharedGroupID, gls[i].SharedWithGroupID}] = &gls[i]
	}
	pls, err := r.tx.GroupLinksOfProjects(ctx, models.UniqueIDs(projectIDs))
	if err != nil {
		return err
	}
	for i := range pls {
		r.projectLinks[[2]int64{pls[i].ProjectID, pls[i].GroupID}] = &pls[i]
	}
	return nil
}

func (r *importRun) applyGroupLinks(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.GroupLinks)}
	var newGroupLinks []models.GroupGroupLink
	var newProjectLinks []models.ProjectGroupLink
	for _, d := range r.doc.GroupLinks {
		with := r.groups[strings.ToLower(d.WithGroup)]
		level, _ := models.ParseAccessLevel(d.AccessLevel) // validated
		if d.SharedGroup != "" {
			shared := r.groups[strings.ToLower(d.SharedGroup)]
			l := r.groupLinks[[2]int64{shared.ID, with.ID}]
			if l == nil {
				newGroupLinks = append(newGroupLinks, models.GroupGroupLink{SharedGroupID: shared.ID, SharedWithGroupID: with.ID, GroupAccess: level})
				continue
			}
			if l.GroupAccess == level {
				continue
			}
			if err := r.tx.SetImportedGroupLinkAccess(ctx, l, level); err != nil {
				return c, err
			}
		} else {
			p := r.projects[strings.ToLower(d.SharedProject)]
			l := r.projectLinks[[2]int64{p.ID, with.ID}]
			if l == nil {
				newProjectLinks = append(newProjectLinks, models.ProjectGroupLink{ProjectID: p.ID, GroupID: with.ID, GroupAccess: level})
				continue
			}
			if l.GroupAccess == level {
				continue
			}
			if err := r.tx.SetImportedProjectLinkAccess(ctx, l, level); err != nil {
				return c, err
			}
		}
		c.Updated++
	}
	if err := r.tx.CreateImportedGroupLinks(ctx, newGroupLinks, newProjectLinks); err != nil {
		return c, err
	}
	c.Created = len(newGroupLinks) + len(newProjectLinks)
	return c, nil
}
