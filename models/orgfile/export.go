package orgfile

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"

	"duoadmin/models"
)

// Export writes the organisation as an import document, every field
// explicit, so importing it back into the same database changes nothing.
// Password hashes are never exported. Rows come in a stable order (by id
// for users, by full path otherwise) so exports of one database diff well.
func Export(ctx context.Context, s *models.Store) (*Document, error) {
	st, err := s.InstanceSettings(ctx)
	if err != nil {
		return nil, err
	}
	doc := &Document{Instance: &InstanceDoc{Plan: st.Plan,
		DuoAvailability: models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled),
		DuoCoreEnabled:  new(st.DuoCoreFeaturesEnabled)}}
	rows, err := s.AllOrganisationRows(ctx)
	if err != nil {
		return nil, err
	}
	users, groups, projects := rows.Users, rows.Groups, rows.Projects
	byPath := func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
	slices.SortFunc(groups, func(a, b models.Group) int { return byPath(a.FullPath, b.FullPath) })
	slices.SortFunc(projects, func(a, b models.Project) int { return byPath(a.FullPath, b.FullPath) })

	usernames := map[int64]string{}
	for _, u := range users {
		usernames[u.ID] = u.Username
		doc.Users = append(doc.Users, exportUser(u))
	}
	groupPaths := map[int64]string{}
	for _, g := range groups {
		groupPaths[g.ID] = g.FullPath
		gd := GroupDoc{Path: g.FullPath, Name: g.Name, Plan: g.Plan, DuoAvailability: storedAvailability(g)}
		if g.TopLevel() {
			gd.DuoCoreEnabled = new(g.DuoCoreFeaturesEnabled)
		}
		doc.Groups = append(doc.Groups, gd)
	}
	projectPaths := map[int64]string{}
	for _, p := range projects {
		projectPaths[p.ID] = p.FullPath
		doc.Projects = append(doc.Projects, ProjectDoc{Path: p.FullPath, Name: p.Name, DuoFeaturesEnabled: new(p.DuoFeaturesEnabled)})
	}
	doc.Members = exportMembers(rows.Members, usernames, groupPaths, projectPaths)
	doc.GroupLinks = exportGroupLinks(rows.GroupLinks, rows.ProjectLinks, groupPaths, projectPaths)
	exportSeats(rows, doc, usernames, groupPaths)
	if err := exportAI(ctx, s, doc, st); err != nil {
		return nil, err
	}
	return doc, nil
}

func exportUser(u models.User) UserDoc {
	date := func(d *models.Date) Nullable[string] {
		if d == nil {
			return NullableOf[string](nil)
		}
		return NullableOf(new(d.String()))
	}
	usage := NullableOf[string](nil)
	if u.LastCodeSuggestionsUsageAt != nil {
		usage = NullableOf(new(timestampString(*u.LastCodeSuggestionsUsageAt)))
	}
	return UserDoc{Username: u.Username, Name: u.Name, Email: u.Email, PublicEmail: new(u.PublicEmail),
		State: u.State, Bot: new(u.Bot), Admin: new(u.Admin), Auditor: new(u.Auditor),
		LastActivityOn: date(u.LastActivityOn), LastDuoActivityOn: date(u.LastDuoActivityOn),
		LastCodeSuggestionsUsageAt: usage}
}

func exportMembers(members []models.Member, usernames, groupPaths, projectPaths map[int64]string) []MemberDoc {
	type row struct {
		doc   MemberDoc
		level models.AccessLevel
	}
	var rows []row
	for _, m := range members {
		src := groupPaths[m.SourceID]
		if m.SourceType == models.SourceProject {
			src = projectPaths[m.SourceID]
		}
		if src == "" { // members has no foreign key to its source
			continue
		}
		rows = append(rows, row{MemberDoc{User: usernames[m.UserID], Source: src, AccessLevel: m.AccessLevel.Key(),
			Pending: new(m.Pending)}, m.AccessLevel})
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.doc.Source), strings.ToLower(b.doc.Source)),
			cmp.Compare(b.level, a.level),
			strings.Compare(strings.ToLower(a.doc.User), strings.ToLower(b.doc.User)))
	})
	out := make([]MemberDoc, len(rows))
	for i, r := range rows {
		out[i] = r.doc
	}
	return out
}

func exportGroupLinks(gls []models.GroupGroupLink, pls []models.ProjectGroupLink, groupPaths, projectPaths map[int64]string) []GroupLinkDoc {
	var out []GroupLinkDoc
	for _, l := range gls {
		out = append(out, GroupLinkDoc{SharedGroup: groupPaths[l.SharedGroupID], WithGroup: groupPaths[l.SharedWithGroupID],
			AccessLevel: l.GroupAccess.Key()})
	}
	for _, l := range pls {
		out = append(out, GroupLinkDoc{SharedProject: projectPaths[l.ProjectID], WithGroup: groupPaths[l.GroupID],
			AccessLevel: l.GroupAccess.Key()})
	}
	slices.SortFunc(out, func(a, b GroupLinkDoc) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.SharedGroup+a.SharedProject), strings.ToLower(b.SharedGroup+b.SharedProject)),
			strings.Compare(strings.ToLower(a.WithGroup), strings.ToLower(b.WithGroup)))
	})
	return out
}

// WriteDocument writes doc as indented JSON.
func WriteDocument(w io.Writer, doc *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// storedAvailability is a group's own option, or "" when it inherits.
func storedAvailability(g models.Group) models.Availability {
	switch {
	case g.LockDuoFeaturesEnabled && g.DuoFeaturesEnabled != nil && *g.DuoFeaturesEnabled:
		return models.AlwaysOn
	case g.LockDuoFeaturesEnabled:
		return models.NeverOn
	case g.DuoFeaturesEnabled == nil:
		return ""
	case *g.DuoFeaturesEnabled:
		return models.DefaultOn
	}
	return models.DefaultOff
}
