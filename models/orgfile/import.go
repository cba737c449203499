package orgfile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"duoadmin/models"
)

// ImportActor is who imports are by in the audit log.
var ImportActor = models.Actor{Username: "import"}

// ImportCounts is what an import did with one section of the file.
type ImportCounts struct{ InFile, Created, Updated int }

type SectionCounts struct {
	Section string // the document key, e.g. "group_links"
	Label   string // e.g. "6 group links (6 new)"
	ImportCounts
}

type ImportResult struct {
	File     string
	Sections []SectionCounts
	// SeatRemovals are the seats the import's purchase changes took away
	// (a lower quantity, users no longer eligible), per purchase.
	SeatRemovals []PurchaseRemovals
}

// PurchaseRemovals is what one purchase's refresh removed.
type PurchaseRemovals struct {
	Owner    string // "acme", or "the instance"
	AddOn    models.AddOn
	Removals []models.Removal
}

// SeatsRemoved counts the seats the import took away.
func (r *ImportResult) SeatsRemoved() int {
	n := 0
	for _, pr := range r.SeatRemovals {
		n += len(pr.Removals)
	}
	return n
}

// Count returns the counts of one section by its document key.
func (r *ImportResult) Count(section string) ImportCounts {
	for _, s := range r.Sections {
		if s.Section == section {
			return s.ImportCounts
		}
	}
	return ImportCounts{}
}

// Summary is the one line the import command prints.
func (r *ImportResult) Summary() string {
	var parts []string
	for _, s := range r.Sections {
		if s.InFile > 0 {
			parts = append(parts, s.Label)
		}
	}
	if len(parts) == 0 {
		return "imported " + r.File + ": the file is empty"
	}
	out := "imported " + r.File + ": " + strings.Join(parts, ", ")
	for _, pr := range r.SeatRemovals {
		out += "; " + pr.summary()
	}
	return out
}

// summary is "2 seats removed from acme's GitLab Duo Enterprise: 2 because
// the purchase now has fewer seats than were assigned", reasons in the
// order the seats went.
func (pr PurchaseRemovals) summary() string {
	var reasons []string
	counts := map[string]int{}
	for _, rm := range pr.Removals {
		if counts[rm.Reason] == 0 {
			reasons = append(reasons, rm.Reason)
		}
		counts[rm.Reason]++
	}
	why := make([]string, len(reasons))
	for i, reason := range reasons {
		why[i] = fmt.Sprintf("%d because %s", counts[reason], models.ReasonText[reason])
	}
	noun := "seats"
	if len(pr.Removals) == 1 {
		noun = "seat"
	}
	return fmt.Sprintf("%d %s removed from %s's %s: %s", len(pr.Removals), noun, pr.Owner, pr.AddOn.Title(), strings.Join(why, ", "))
}

// updated counts a row an update wrote.
func (c *ImportCounts) updated(wrote bool, err error) error {
	if wrote {
		c.Updated++
	}
	return err
}

func (c ImportCounts) changes() string {
	var parts []string
	if c.Created > 0 {
		parts = append(parts, fmt.Sprintf("%d new", c.Created))
	}
	if c.Updated > 0 {
		parts = append(parts, fmt.Sprintf("%d updated", c.Updated))
	}
	if len(parts) == 0 {
		return "unchanged"
	}
	return strings.Join(parts, ", ")
}

// importSection is one part of the document. Sections are validated, then
// applied, in this order, so a section may rely on the ones before it
// (members need users, groups and projects).
type importSection struct {
	key      string
	singular string
	plural   string
	// load reads the existing rows the section compares with; optional.
	load     func(r *importRun, ctx context.Context) error
	validate func(r *importRun)
	apply    func(r *importRun, ctx context.Context) (ImportCounts, error)
}

var importSections = []importSection{
	{key: "instance", singular: "instance settings", plural: "instance settings",
		validate: (*importRun).validateInstance, apply: (*importRun).applyInstance},
	{key: "users", singular: "user", plural: "users",
		validate: (*importRun).validateUsers, apply: (*importRun).applyUsers},
	{key: "groups", singular: "group", plural: "groups",
		validate: (*importRun).validateGroups, apply: (*importRun).applyGroups},
	{key: "projects", singular: "project", plural: "projects",
		validate: (*importRun).validateProjects, apply: (*importRun).applyProjects},
	{key: "members", singular: "member", plural: "members", load: (*importRun).loadMembers,
		validate: (*importRun).validateMembers, apply: (*importRun).applyMembers},
	{key: "group_links", singular: "group link", plural: "group links", load: (*importRun).loadGroupLinks,
		validate: (*importRun).validateGroupLinks, apply: (*importRun).applyGroupLinks},
	{key: "subscriptions", singular: "subscription", plural: "subscriptions", load: (*importRun).loadSubscriptions,
		validate: (*importRun).validateSubscriptions, apply: (*importRun).applySubscriptions},
	{key: "add_on_purchases", singular: "add-on purchase", plural: "add-on purchases", load: (*importRun).loadPurchases,
		validate: (*importRun).validatePurchases, apply: (*importRun).applyPurchases},
	// Assignments come last: eligibility depends on members and group links.
	{key: "assignments", singular: "seat assignment", plural: "seat assignments",
		validate: (*importRun).validateAssignments, apply: (*importRun).applyAssignments},
	{key: "self_hosted_models", singular: "self-hosted model", plural: "self-hosted models", load: (*importRun).loadSelfHostedModels,
		validate: (*importRun).validateSelfHostedModels, apply: (*importRun).applySelfHostedModels},
	{key: "ai_feature_settings", singular: "AI feature setting", plural: "AI feature settings",
		validate: (*importRun).validateAIFeatureSettings, apply: (*importRun).applyAIFeatureSettings},
}

func (sec importSection) label(c ImportCounts) string {
	if sec.key == "instance" {
		if c.Updated > 0 {
			return sec.plural + " (updated)"
		}
		return sec.plural + " (unchanged)"
	}
	noun := sec.plural
	if c.InFile == 1 {
		noun = sec.singular
	}
	return fmt.Sprintf("%d %s (%s)", c.InFile, noun, c.changes())
}

// importRun is one import in its transaction. Maps are keyed by the
// lower-cased username or full path, as the unique indexes are.
type importRun struct {
	tx    *models.Store
	actor models.Actor
	doc   *Document
	errs  *ImportErrors

	// Existing rows the file refers to; apply adds the rows it creates.
	users    map[string]*models.User
	groups   map[string]*models.Group
	projects map[string]*models.Project
	// The file's project entries by lower-cased path, for settings applied after insert.
	projectDocs map[string]ProjectDoc
	// Existing users by lower-cased email, to report taken addresses.
	emails map[string]*models.User

	// Index of each username or path in its section of the file.
	fileUsers    map[string]int
	fileGroups   map[string]int
	fileProjects map[string]int

	members      map[memberKey]*models.Member
	groupLinks   map[[2]int64]*models.GroupGroupLink
	projectLinks map[[2]int64]*models.ProjectGroupLink

	// Subscriptions by name, purchases by add-on and namespace id (0: the
	// instance), and where each purchase is in the file (import_seats.go).
	subscriptions map[string]*models.Subscription
	purchases     map[purchaseKey]*models.AddOnPurchase
	filePurchases map[fileKey]int
	// The dates and times of the file's subscriptions, purchases and
	// assignments, parsed once by validation, by index (import_seats.go).
	parsed parsedSeatRows
	// The instance's plan before the import (the plan rule, purchase_plan.go).
	instancePlan models.Plan
	// Seats the purchases' refresh removed (import_seats.go).
	removals []PurchaseRemovals

	// The GitLab Duo settings chain, loaded once groups are applied (import_duo.go).
	duo *importDuo

	// Self-hosted models by lower-cased name, and where each is in the file (import_ai.go).
	selfHostedModels map[string]*models.SelfHostedModel
	fileModels       map[string]int
}

type memberKey struct {
	sourceType       string
	sourceID, userID int64
}

// Import loads doc in one transaction: every problem is reported as
// *ImportErrors and nothing is written, or all of it is, with one audit
// event. Rows are matched by username and full path, so importing the same
// file again changes nothing.
func Import(ctx context.Context, s *models.Store, actor models.Actor, file string, doc *Document) (*ImportResult, error) {
	return importDocument(ctx, s, actor, file, doc, false)
}

// ImportIntoEmpty is Import into a database without users only
// (ErrDatabaseNotEmpty otherwise): how the demo organisation is loaded.
func ImportIntoEmpty(ctx context.Context, s *models.Store, actor models.Actor, file string, doc *Document) (*ImportResult, error) {
	return importDocument(ctx, s, actor, file, doc, true)
}

func importDocument(ctx context.Context, s *models.Store, actor models.Actor, file string, doc *Document, onlyIntoEmpty bool) (*ImportResult, error) {
	var res *ImportResult
	err := s.Tx(ctx, func(tx *models.Store) error {
		if err := tx.LockForImport(ctx, onlyIntoEmpty); err != nil {
			return err
		}
		r := &importRun{tx: tx, actor: actor, doc: doc, errs: &ImportErrors{File: file},
			fileUsers: map[string]int{}, fileGroups: map[string]int{}, fileProjects: map[string]int{}}
		if err := r.loadReferenced(ctx); err != nil {
			return err
		}
		for _, sec := range importSections {
			if sec.load != nil {
				if err := sec.load(r, ctx); err != nil {
					return err
				}
			}
		}
		for _, sec := range importSections {
			sec.validate(r)
		}
		if err := r.errs.orNil(); err != nil {
			return err
		}
		res = &ImportResult{File: file}
		details := map[string]any{"file": file}
		for _, sec := range importSections {
			c, err := sec.apply(r, ctx)
			if err != nil {
				return err
			}
			res.Sections = append(res.Sections, SectionCounts{Section: sec.key, Label: sec.label(c), ImportCounts: c})
			details[sec.key] = map[string]int{"in_file": c.InFile, "created": c.Created, "updated": c.Updated}
		}
		res.SeatRemovals = r.removals
		if n := res.SeatsRemoved(); n > 0 {
			details["seats_removed"] = n
		}
		return tx.Audit(ctx, actor, models.AuditEntry{Action: "organisation_imported", TargetType: "Instance",
			TargetName: file, Details: details})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// loadReferenced reads, in a few queries, every existing user, group and
// project the file names, so validation and apply need no query per row.
func (r *importRun) loadReferenced(ctx context.Context) error {
	usernames, emails, paths := map[string]bool{}, map[string]bool{}, map[string]bool{}
	addPath := func(p string) {
		if p != "" {
			paths[strings.ToLower(p)] = true
		}
	}
	d := r.doc
	for _, u := range d.Users {
		usernames[strings.ToLower(u.Username)] = true
		emails[strings.ToLower(u.Email)] = true
	}
	for _, g := range d.Groups {
		addPath(g.Path)
		addPath(parentPath(g.Path))
	}
	for _, p := range d.Projects {
		addPath(p.Path)
		addPath(parentPath(p.Path))
	}
	for _, m := range d.Members {
		usernames[strings.ToLower(m.User)] = true
		addPath(m.Source)
	}
	for _, l := range d.GroupLinks {
		addPath(l.SharedGroup)
		addPath(l.SharedProject)
		addPath(l.WithGroup)
	}
	for _, sub := range d.Subscriptions {
		addPath(deref(sub.Namespace))
	}
	for _, p := range d.AddOnPurchases {
		addPath(deref(p.Namespace))
	}
	for _, a := range d.Assignments {
		usernames[strings.ToLower(a.User)] = true
		addPath(deref(a.Namespace))
	}
	tx := r.tx
	users, err := tx.UsersByLowerUsername(ctx, slices.Collect(maps.Keys(usernames)))
	if err != nil {
		return err
	}
	byEmail, err := tx.UsersByLowerEmail(ctx, slices.Collect(maps.Keys(emails)))
	if err != nil {
		return err
	}
	groups, err := tx.GroupsByLowerPath(ctx, slices.Collect(maps.Keys(paths)))
	if err != nil {
		return err
	}
	projects, err := tx.ProjectsByLowerPath(ctx, slices.Collect(maps.Keys(paths)))
	if err != nil {
		return err
	}
	r.users, r.emails = map[string]*models.User{}, map[string]*models.User{}
	r.groups, r.projects = map[string]*models.Group{}, map[string]*models.Project{}
	for i := range users {
		r.users[strings.ToLower(users[i].Username)] = &users[i]
	}
	for i := range byEmail {
		r.emails[strings.ToLower(byEmail[i].Email)] = &byEmail[i]
	}
	for i := range groups {
		r.groups[strings.ToLower(groups[i].FullPath)] = &groups[i]
	}
	for i := range projects {
		r.projects[strings.ToLower(projects[i].FullPath)] = &projects[i]
	}
	return nil
}

// parentPath is "acme/platform" for "acme/platform/api", "" for "acme".
func parentPath(fullPath string) string {
	i := strings.LastIndexByte(fullPath, '/')
	if i < 0 {
		return ""
	}
	return fullPath[:i]
}

func lastSegment(fullPath string) string { return fullPath[strings.LastIndexByte(fullPath, '/')+1:] }

func pathDepth(fullPath string) int { return strings.Count(fullPath, "/") }

func (r *importRun) groupKnown(path string) bool {
	k := strings.ToLower(path)
	_, inFile := r.fileGroups[k]
	return inFile || r.groups[k] != nil
}

func (r *importRun) projectKnown(path string) bool {
	k := strings.ToLower(path)
	_, inFile := r.fileProjects[k]
	return inFile || r.projects[k] != nil
}

func (r *importRun) userKnown(username string) bool {
	k := strings.ToLower(username)
	_, inFile := r.fileUsers[k]
	return inFile || r.users[k] != nil
}
