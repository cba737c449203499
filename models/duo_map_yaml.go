package models

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// GitLab Duo availability as code (#21): the map's explicit settings as
// YAML (path → setting), and a file applied as the whole desired state of
// the scope: a group it does not name inherits, a project it does not name
// takes its group's value. So exporting and applying on a fresh copy of
// the hierarchy gives the same map, and the same file is a drift check.

// AvailabilityFile is the YAML document.
type AvailabilityFile struct {
	Instance Availability            `yaml:"instance,omitempty"`
	Groups   map[string]Availability `yaml:"groups,omitempty"`
	Projects map[string]bool         `yaml:"projects,omitempty"`
	// Enforced names the groups whose setting (under groups:, Always on
	// or Always off) is enforced, with the enforcement's reason.
	Enforced map[string]AvailabilityEnforcement `yaml:"enforced,omitempty"`
}

// AvailabilityEnforcement is an enforced group's entry in the file.
type AvailabilityEnforcement struct {
	Reason string `yaml:"reason"`
}

// MarshalAvailabilityFile writes the file, keys sorted (yaml.v3 sorts maps).
func MarshalAvailabilityFile(f AvailabilityFile) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# GitLab Duo availability: only settings made explicitly; everything else inherits.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// ParseAvailabilityFile reads a file; errors name it and the key.
func ParseAvailabilityFile(name string, r io.Reader) (AvailabilityFile, error) {
	var f AvailabilityFile
	dec := yaml.NewDecoder(io.LimitReader(r, 8<<20))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && err != io.EOF {
		return f, fmt.Errorf("%s: %v", name, err)
	}
	if f.Instance != "" {
		if _, err := ParseAvailability(string(f.Instance)); err != nil {
			return f, fmt.Errorf("%s: instance: %v", name, err)
		}
	}
	for _, p := range sortedKeys(f.Groups) {
		if _, err := ParseAvailability(string(f.Groups[p])); err != nil {
			return f, fmt.Errorf("%s: groups.%s: %v", name, p, err)
		}
	}
	return f, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mapProject is what planning reads of a project.
type mapProject struct {
	ID                 int64
	FullPath           string
	NamespaceID        int64
	DuoFeaturesEnabled bool
}

func (s *Store) mapProjects(ctx context.Context, m *DuoMap) ([]mapProject, error) {
	var ps []mapProject
	q := s.q(ctx).Model(&Project{}).Select("id, full_path, namespace_id, duo_features_enabled").Order("full_path")
	if m.Root != nil {
		q = q.Where("namespace_id IN (?)", m.subtreeIDs(s, ctx))
	}
	return ps, q.Scan(&ps).Error
}

// ExportAvailability is the scope's explicit settings (root nil: the
// instance and every group).
func (s *Store) ExportAvailability(ctx context.Context, root *Group) (AvailabilityFile, error) {
	m, err := s.LoadDuoMap(ctx, root)
	if err != nil {
		return AvailabilityFile{}, err
	}
	f := AvailabilityFile{Groups: map[string]Availability{}, Projects: map[string]bool{}, Enforced: map[string]AvailabilityEnforcement{}}
	if root == nil {
		f.Instance = InstanceAvailability(m.Instance.DuoFeaturesEnabled, m.Instance.LockDuoFeaturesEnabled)
	}
	for _, n := range m.Groups {
		self := m.chains[n.ID][len(m.chains[n.ID])-1]
		if self.Enabled != nil {
			f.Groups[n.FullPath] = InstanceAvailability(*self.Enabled, self.Locked)
		}
		if n.Enforced {
			f.Enforced[n.FullPath] = AvailabilityEnforcement{Reason: n.EnforcedReason}
		}
	}
	ps, err := s.mapProjects(ctx, m)
	if err != nil {
		return f, err
	}
	for _, p := range ps {
		// Explicit: a value other than the one it would take from its group.
		inherited := ResolveDuo(InstanceNode(&m.Instance), m.chains[p.NamespaceID], DuoNode{Kind: NodeProject}).Enabled
		if p.DuoFeaturesEnabled != inherited {
			f.Projects[p.FullPath] = p.DuoFeaturesEnabled
		}
	}
	return f, nil
}

// AvailabilityChange is one difference between the database and a file.
type AvailabilityChange struct {
	Kind     string // "instance", "group", "project"
	ID       int64
	Path     string
	From, To string
	// The stored columns the file asks for.
	Enabled *bool
	Locked  bool
	// Enforce: nil leaves the group's enforcement as it is; true enforces
	// it with Reason, false releases it.
	Enforce *bool
	Reason  string
}

func (c AvailabilityChange) String() string {
	return fmt.Sprintf("%s %s: %s, file says %s", c.Kind, c.Path, c.From, c.To)
}

// enforcedTitle marks an enforced group's setting in a change.
func enforcedTitle(title string, enforced bool) string {
	if enforced {
		return title + " (enforced)"
	}
	return title
}

// AvailabilityPlan is what applying a file changes.
type AvailabilityPlan struct {
	Changes                  []AvailabilityChange
	Groups, Projects         int
	LocksAdded, LocksRemoved int
	EnforcementsAdded        int
	EnforcementsReleased     int
	Instance                 bool
}

func (p AvailabilityPlan) Empty() bool { return len(p.Changes) == 0 }

// Summary: "12 groups change, 3 locks added".
func (p AvailabilityPlan) Summary() string {
	if p.Empty() {
		return "No changes: the database matches the file."
	}
	var parts []string
	if p.Instance {
		parts = append(parts, "the instance changes")
	}
	add := func(n int, one, many string) {
		if n == 1 {
			parts = append(parts, "1 "+one)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(p.Groups, "group changes", "groups change")
	add(p.Projects, "project changes", "projects change")
	add(p.LocksAdded, "lock added", "locks added")
	add(p.LocksRemoved, "lock removed", "locks removed")
	add(p.EnforcementsAdded, "enforcement added", "enforcements added")
	add(p.EnforcementsReleased, "enforcement released", "enforcements released")
	return strings.Join(parts, ", ")
}

func storedTitle(enabled *bool, locked bool) string {
	if enabled == nil {
		return "inherit"
	}
	return string(InstanceAvailability(*enabled, locked))
}

// PlanAvailability compares a file with the scope (a dry run). byAdmin:
// an administrator applies it; otherwise (GitLab.com) an owner of the
// top-level group, who may enforce its subgroups only and cannot change
// what an administrator enforced.
func (s *Store) PlanAvailability(ctx context.Context, root *Group, d Deployment, f AvailabilityFile, byAdmin bool) (AvailabilityPlan, error) {
	var plan AvailabilityPlan
	m, err := s.LoadDuoMap(ctx, root)
	if err != nil {
		return plan, err
	}
	errs := FieldErrors{}
	inst := InstanceNode(&m.Instance)
	if f.Instance != "" {
		if root != nil || d == GitLabCom {
			errs["instance"] = "the instance is not set from this file"
		} else if cur := InstanceAvailability(m.Instance.DuoFeaturesEnabled, m.Instance.LockDuoFeaturesEnabled); cur != f.Instance {
			e, l := f.Instance.Stored()
			plan.Changes = append(plan.Changes, AvailabilityChange{Kind: NodeInstance, Path: "instance", From: string(cur), To: string(f.Instance), Enabled: &e, Locked: l})
			plan.Instance = true
			inst.Enabled, inst.Locked = &e, l
		}
	}
	known := map[string]bool{}
	newChains := map[int64][]DuoNode{}
	for _, n := range m.Groups {
		known[strings.ToLower(n.FullPath)] = true
		self := m.chains[n.ID][len(m.chains[n.ID])-1]
		want := DuoNode{Kind: NodeGroup, ID: n.ID, FullPath: n.FullPath, Name: n.Name}
		if a, ok := lookupFold(f.Groups, n.FullPath); ok {
			e, l := a.Stored()
			want.Enabled, want.Locked = &e, l
		}
		newChains[n.ID] = append(append([]DuoNode{}, newChains[n.ParentID]...), want)
		enf, enforce := lookupFold(f.Enforced, n.FullPath)
		valueChanges := !sameBoolPtr(self.Enabled, want.Enabled) || self.Locked != want.Locked
		if !valueChanges && enforce == n.Enforced {
			continue
		}
		if e := enforcementRefused(n, want, enforce, newChains[n.ParentID], inst, d, byAdmin); e != "" {
			errs["groups."+n.FullPath] = e
			continue
		}
		// Always on is set where GitLab offers it; a file may restate it
		// where it already is.
		if want.Locked && want.Enabled != nil && *want.Enabled && !AlwaysOnOffered(d, &Group{ParentID: parentPtr(n.ParentID)}) {
			errs["groups."+n.FullPath] = ErrAlwaysOnNotOffered.Error()
		}
		c := AvailabilityChange{Kind: NodeGroup, ID: n.ID, Path: n.FullPath,
			From: enforcedTitle(storedTitle(self.Enabled, self.Locked), n.Enforced), To: enforcedTitle(storedTitle(want.Enabled, want.Locked), enforce),
			Enabled: want.Enabled, Locked: want.Locked, Reason: strings.TrimSpace(enf.Reason)}
		if enforce != n.Enforced {
			c.Enforce = &enforce
			if enforce {
				plan.EnforcementsAdded++
			} else {
				plan.EnforcementsReleased++
			}
		}
		plan.Changes = append(plan.Changes, c)
		if valueChanges {
			plan.Groups++
		}
		switch {
		case want.Locked && !self.Locked:
			plan.LocksAdded++
		case !want.Locked && self.Locked:
			plan.LocksRemoved++
		}
	}
	for _, p := range sortedKeys(f.Groups) {
		if !known[strings.ToLower(p)] {
			errs["groups."+p] = "no such group here"
		}
	}
	for _, p := range sortedKeys(f.Enforced) {
		if !known[strings.ToLower(p)] {
			errs["enforced."+p] = "no such group here"
		}
	}
	ps, err := s.mapProjects(ctx, m)
	if err != nil {
		return plan, err
	}
	seen := map[string]bool{}
	for _, p := range ps {
		want, ok := lookupFold(f.Projects, p.FullPath)
		seen[strings.ToLower(p.FullPath)] = true
		if !ok {
			want = ResolveDuo(inst, newChains[p.NamespaceID], DuoNode{Kind: NodeProject}).Enabled
		}
		if want != p.DuoFeaturesEnabled {
			v := want
			plan.Changes = append(plan.Changes, AvailabilityChange{Kind: NodeProject, ID: p.ID, Path: p.FullPath,
				From: fmt.Sprint(p.DuoFeaturesEnabled), To: fmt.Sprint(want), Enabled: &v})
			plan.Projects++
		}
	}
	for _, p := range sortedKeys(f.Projects) {
		if !seen[strings.ToLower(p)] {
			errs["projects."+p] = "no such project here"
		}
	}
	if len(errs) > 0 {
		return plan, errs
	}
	return plan, nil
}

func parentPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func lookupFold[V any](m map[string]V, path string) (V, bool) {
	if v, ok := m[path]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, path) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// ApplyAvailability makes the scope what the file says, in one
// transaction audited as one change. Nothing cascades: the file states
// every level.
func (s *Store) ApplyAvailability(ctx context.Context, actor Actor, root *Group, d Deployment, f AvailabilityFile, byAdmin bool) (AvailabilityPlan, error) {
	var plan AvailabilityPlan
	err := s.Tx(ctx, func(tx *Store) error {
		var err error
		if plan, err = tx.PlanAvailability(ctx, root, d, f, byAdmin); err != nil || plan.Empty() {
			return err
		}
		now := time.Now().UTC()
		var on, off []int64
		for _, c := range plan.Changes {
			switch c.Kind {
			case NodeInstance:
				err = tx.q(ctx).Model(&InstanceSettings{}).Where("id = 1").Updates(map[string]any{
					"duo_features_enabled": *c.Enabled, "lock_duo_features_enabled": c.Locked, "updated_at": now}).Error
			case NodeGroup:
				cols := map[string]any{"duo_features_enabled": c.Enabled, "lock_duo_features_enabled": c.Locked, "updated_at": now}
				if c.Enforce != nil {
					maps.Copy(cols, enforcementColumns(actor, &DuoEnforcement{Reason: c.Reason, ByAdmin: byAdmin, Release: !*c.Enforce}, now))
				}
				err = tx.q(ctx).Model(&Group{}).Where("id = ?", c.ID).Updates(cols).Error
			case NodeProject:
				if *c.Enabled {
					on = append(on, c.ID)
				} else {
					off = append(off, c.ID)
				}
			}
			if err != nil {
				return err
			}
		}
		for v, ids := range map[bool][]int64{true: on, false: off} {
			for _, chunk := range chunks(ids, 1000) {
				if err := tx.q(ctx).Model(&Project{}).Where("id IN ?", chunk).
					Updates(map[string]any{"duo_features_enabled": v, "updated_at": now}).Error; err != nil {
					return err
				}
			}
		}
		entry := AuditEntry{Action: "duo_availability_applied", TargetType: "Instance", TargetName: "instance",
			Details: map[string]any{"summary": plan.Summary(), "groups": plan.Groups, "projects": plan.Projects,
				"locks_added": plan.LocksAdded, "locks_removed": plan.LocksRemoved, "instance": plan.Instance,
				"enforcements_added": plan.EnforcementsAdded, "enforcements_released": plan.EnforcementsReleased}}
		if root != nil {
			rid := root.ID
			entry.TargetType, entry.TargetID, entry.TargetName, entry.NamespaceID = "Group", root.ID, root.FullPath, &rid
		}
		return tx.Audit(ctx, actor, entry)
	})
	return plan, err
}

func chunks(ids []int64, n int) [][]int64 {
	var out [][]int64
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// enforcementRefused says why a file may not make group n what it asks
// (want, enforced or not), or "" when it may: an enforced setting locks,
// is never under another lock, and only those who may enforce change an
// enforcement (administrators; on GitLab.com a top-level group's owners
// for its subgroups, but never over an administrator's).
func enforcementRefused(n MapNode, want DuoNode, enforce bool, above []DuoNode, inst DuoNode, d Deployment, byAdmin bool) string {
	mayEnforce := byAdmin || (d == GitLabCom && n.ParentID != 0 && !n.EnforcedByAdmin)
	switch {
	case n.EnforcedByAdmin && !byAdmin:
		return (&EnforcedError{Path: n.FullPath, ByAdmin: true}).Error()
	case (enforce || n.Enforced) && !mayEnforce:
		return "only an administrator can enforce or release this group's setting"
	case enforce && (want.Enabled == nil || !want.Locked):
		return "an enforced setting is Always on or Always off: state it under groups"
	case enforce && inst.Locked:
		return "cannot be enforced under the instance's lock"
	}
	if enforce {
		for _, a := range above {
			if a.Locked {
				return "cannot be enforced under the lock of " + a.FullPath
			}
		}
	}
	return ""
}
