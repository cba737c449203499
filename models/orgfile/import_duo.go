package orgfile

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"duoadmin/models"
)

// GitLab Duo availability in an import. A file states each level's own
// setting and does not cascade, so two rules are checked against the
// hierarchy as the file leaves it (instance and ancestors applied first):
//
//   - Under a lock (the instance's or an ancestor group's, wherever it was
//     set), a group or project value the import would write that differs
//     from the locked value is refused, with refuseUnderLock's error. A
//     value that agrees with the lock, or that the row already stores (so
//     nothing is written), passes: a locked subtree keeps the values its
//     rows had, and its export must import back.
//   - A new project that states no value takes its group's effective value.

// importDuo resolves settings from the instance and the groups the import
// holds, plus their ancestors, loaded once.
type importDuo struct {
	instance models.DuoNode
	groups   map[int64]*models.Group
}

// duoChains loads, once and after groups are applied, what resolving the
// file's groups and projects needs.
func (r *importRun) duoChains(ctx context.Context) (*importDuo, error) {
	if r.duo != nil {
		return r.duo, nil
	}
	st, err := r.tx.InstanceSettings(ctx)
	if err != nil {
		return nil, err
	}
	d := &importDuo{instance: models.InstanceNode(st), groups: map[int64]*models.Group{}}
	for _, g := range r.groups {
		d.groups[g.ID] = g
	}
	seen := map[int64]bool{}
	var missing []int64
	for _, g := range r.groups {
		for _, id := range g.AncestorIDs() {
			if d.groups[id] == nil && !seen[id] {
				seen[id] = true
				missing = append(missing, id)
			}
		}
	}
	slices.Sort(missing)
	loaded, err := r.tx.GroupsByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	for i := range loaded {
		d.groups[loaded[i].ID] = &loaded[i]
	}
	r.duo = d
	return d, nil
}

func (d *importDuo) chain(g *models.Group) []models.DuoNode {
	ids := g.AncestorIDs()
	out := make([]models.DuoNode, 0, len(ids)+1)
	for _, id := range ids {
		out = append(out, models.GroupNode(d.groups[id]))
	}
	return out
}

func (d *importDuo) group(g *models.Group) models.DuoResolution {
	return models.ResolveDuo(d.instance, d.chain(g), models.GroupNode(g))
}

func (d *importDuo) project(p *models.Project, g *models.Group) models.DuoResolution {
	return models.ResolveDuo(d.instance, append(d.chain(g), models.GroupNode(g)), models.ProjectNode(p))
}

// checkGroupLocks reports the file's groups whose written value a lock refuses.
func (r *importRun) checkGroupLocks(ctx context.Context, written []int) error {
	return r.checkLocks(ctx, written, func(d *importDuo, i int) (string, models.DuoResolution, bool) {
		doc := r.doc.Groups[i]
		v, _ := doc.DuoAvailability.Stored()
		g := r.groups[strings.ToLower(doc.Path)]
		return fmt.Sprintf("groups[%d].duo_availability", i), d.group(g), v
	})
}

// checkProjectLocks reports the file's projects whose written value a lock refuses.
func (r *importRun) checkProjectLocks(ctx context.Context, written []int) error {
	return r.checkLocks(ctx, written, func(d *importDuo, i int) (string, models.DuoResolution, bool) {
		doc := r.doc.Projects[i]
		p := r.projects[strings.ToLower(doc.Path)]
		g := r.groups[strings.ToLower(parentPath(doc.Path))]
		return fmt.Sprintf("projects[%d].duo_features_enabled", i), d.project(p, g), *doc.DuoFeaturesEnabled
	})
}

// checkLocks reports each written row (its field, where it resolves now,
// the value the file writes) whose value a lock refuses.
func (r *importRun) checkLocks(ctx context.Context, written []int, row func(d *importDuo, i int) (string, models.DuoResolution, bool)) error {
	if len(written) == 0 {
		return nil
	}
	d, err := r.duoChains(ctx)
	if err != nil {
		return err
	}
	for _, i := range written {
		field, res, v := row(d, i)
		if msg := models.DuoLockProblem(res, v); msg != "" {
			r.errs.add(field, "%s", msg)
		}
	}
	return nil
}
