package models

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
)

// Assignment rules (issue 18): a purchase's rules say who should hold a
// seat. Their union is applied by the rule sync (assignment_rule_sync.go);
// this file is the rules themselves.

// Rule sources.
const (
	// RuleSourceGroup: the members of a group, its subgroups and projects
	// (GitLab.com: inside the purchase's top-level group).
	RuleSourceGroup = "group"
	// RuleSourceInstance: every user of the instance (self-managed).
	RuleSourceInstance = "instance"
	// RuleSourceLDAPGroup: the users of an LDAP group, by CN, resolved
	// through Options.Directory (self-managed).
	RuleSourceLDAPGroup = "ldap_group"
)

// Rule modes.
const (
	RuleModeAssign       = "assign"        // adds seats, never removes
	RuleModeAssignRemove = "assign_remove" // also removes the seats it gave
)

// AssignmentRule is one rule of a purchase.
type AssignmentRule struct {
	ID              int64
	AddOnPurchaseID int64
	SourceKind      string
	SourceGroupID   *int64
	// SourceValue is the LDAP group's CN.
	SourceValue    string
	MinAccessLevel AccessLevel
	Mode           string
	// LDAPMemberCount is the LDAP group's size at the last applied sync: an
	// empty answer from a group that had members holds the run.
	LDAPMemberCount int `gorm:"column:ldap_member_count"`
	CreatedAt       time.Time
	UpdatedAt       time.Time

	// Read with the rule: the group's path and the excluded users.
	SourceGroupPath string   `gorm:"-"`
	Excluded        []string `gorm:"-"`
	excludedIDs     []int64
	group           *Group
}

func (AssignmentRule) TableName() string { return "duo_assignment_rules" }

type ruleExclusion struct {
	RuleID int64
	UserID int64
}

func (ruleExclusion) TableName() string { return "duo_assignment_rule_exclusions" }

// SourceLabel says where the rule's users come from, as the screens show it.
func (r *AssignmentRule) SourceLabel() string {
	switch r.SourceKind {
	case RuleSourceInstance:
		return "Every user of the instance"
	case RuleSourceLDAPGroup:
		return "LDAP group " + r.SourceValue
	}
	return r.SourceGroupPath
}

// Source is the form's value of the source: the group path or the CN.
func (r *AssignmentRule) Source() string {
	if r.SourceKind == RuleSourceLDAPGroup {
		return r.SourceValue
	}
	return r.SourceGroupPath
}

// usesRole: only group memberships have a role; the instance and LDAP
// groups match whoever is in them.
func (r *AssignmentRule) usesRole() bool { return r.SourceKind == RuleSourceGroup }

// Summary is the rule in one line: "acme/platform, Developer and up, Assign and remove".
func (r *AssignmentRule) Summary() string {
	s := r.SourceLabel()
	if r.usesRole() {
		s += ", " + r.MinAccessLevel.String() + " and up"
	}
	return s + ", " + RuleModeTitle(r.Mode)
}

// RuleModeTitle is a mode in GitLab's words.
func RuleModeTitle(mode string) string {
	if mode == RuleModeAssignRemove {
		return "Assign and remove"
	}
	return "Assign"
}

// RuleInput is a rule as a form or the API sends it.
type RuleInput struct {
	SourceKind     string
	Source         string // a group's full path, or an LDAP group's CN
	MinAccessLevel string // guest … owner, or the number
	Mode           string
	// Excluded are usernames, separated by spaces, commas or new lines.
	Excluded string
}

// RuleInputOf is the input that rebuilds r, for the edit form.
func RuleInputOf(r *AssignmentRule) RuleInput {
	return RuleInput{SourceKind: r.SourceKind, Source: r.Source(), MinAccessLevel: r.MinAccessLevel.Key(),
		Mode: r.Mode, Excluded: strings.Join(r.Excluded, ", ")}
}

// ruleFromInput validates in for p and returns the rule it describes
// (without ids or dates).
func (s *Store) ruleFromInput(ctx context.Context, p *AddOnPurchase, in RuleInput) (*AssignmentRule, error) {
	errs := FieldErrors{}
	r := &AssignmentRule{AddOnPurchaseID: p.ID, SourceKind: in.SourceKind, Mode: in.Mode, MinAccessLevel: Guest}
	selfManaged := p.NamespaceID == nil
	source := strings.TrimSpace(in.Source)
	switch in.SourceKind {
	case RuleSourceGroup:
		g, err := s.GroupByFullPath(ctx, strings.Trim(source, "/"))
		switch {
		case errors.Is(err, ErrNotFound) || (err == nil && !selfManaged && g.RootID() != *p.NamespaceID):
			errs.Add("source", "is not a group of this subscription")
		case err != nil:
			return nil, err
		default:
			r.SourceGroupID, r.SourceGroupPath, r.group = &g.ID, g.FullPath, g
		}
	case RuleSourceInstance:
		if !selfManaged {
			errs.Add("source_kind", "is not available on GitLab.com")
		}
	case RuleSourceLDAPGroup:
		if !selfManaged {
			errs.Add("source_kind", "is not available on GitLab.com")
		}
		if source == "" || len(source) > 255 {
			errs.Add("source", "must name an LDAP group (its CN)")
		}
		r.SourceValue = source
	default:
		errs.Add("source_kind", "must be a group, every user of the instance or an LDAP group")
	}
	if in.MinAccessLevel != "" {
		lvl, err := ParseAccessLevel(strings.ToLower(strings.TrimSpace(in.MinAccessLevel)))
		if err != nil {
			errs.Add("min_access_level", "must be a role (Guest … Owner)")
		}
		r.MinAccessLevel = lvl
	}
	if in.Mode != RuleModeAssign && in.Mode != RuleModeAssignRemove {
		errs.Add("mode", "must be Assign or Assign and remove")
	}
	names := splitUsernames(in.Excluded)
	if len(names) > 0 {
		var users []User
		if err := s.q(ctx).Where("username IN ?", names).Order("username").Find(&users).Error; err != nil {
			return nil, err
		}
		found := map[string]bool{}
		for _, u := range users {
			found[strings.ToLower(u.Username)] = true
			r.excludedIDs = append(r.excludedIDs, u.ID)
			r.Excluded = append(r.Excluded, u.Username)
		}
		var unknown []string
		for _, n := range names {
			if !found[strings.ToLower(n)] {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			errs.Add("excluded", "unknown user(s): "+strings.Join(unknown, ", "))
		}
	}
	if err := errs.OrNil(); err != nil {
		return nil, err
	}
	return r, nil
}

// splitUsernames reads a list of usernames, "@" optional, without repeats.
func splitUsernames(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range strings.FieldsFunc(text, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' }) {
		f = strings.TrimPrefix(f, "@")
		if f != "" && !seen[strings.ToLower(f)] {
			seen[strings.ToLower(f)] = true
			out = append(out, f)
		}
	}
	return out
}

// AssignmentRules lists a purchase's rules, oldest first, with their
// groups' paths and excluded users.
func (s *Store) AssignmentRules(ctx context.Context, purchaseID int64) ([]AssignmentRule, error) {
	var rs []AssignmentRule
	if err := s.q(ctx).Where("add_on_purchase_id = ?", purchaseID).Order("id").Find(&rs).Error; err != nil {
		return nil, err
	}
	return rs, s.fillRules(ctx, rs)
}

// AssignmentRule is one rule of a purchase; ErrNotFound for another's.
func (s *Store) AssignmentRule(ctx context.Context, purchaseID, ruleID int64) (*AssignmentRule, error) {
	r, err := first[AssignmentRule](s.q(ctx).Where("id = ? AND add_on_purchase_id = ?", ruleID, purchaseID))
	if err != nil {
		return nil, err
	}
	rs := []AssignmentRule{*r}
	if err := s.fillRules(ctx, rs); err != nil {
		return nil, err
	}
	return &rs[0], nil
}

// fillRules reads the rules' groups and exclusions, two queries for all.
func (s *Store) fillRules(ctx context.Context, rs []AssignmentRule) error {
	if len(rs) == 0 {
		return nil
	}
	ruleIDs, groupIDs := make([]int64, len(rs)), []int64{}
	for i, r := range rs {
		ruleIDs[i] = r.ID
		if r.SourceGroupID != nil {
			groupIDs = append(groupIDs, *r.SourceGroupID)
		}
	}
	groups := map[int64]*Group{}
	if len(groupIDs) > 0 {
		var gs []Group
		if err := s.q(ctx).Where("id IN ?", groupIDs).Find(&gs).Error; err != nil {
			return err
		}
		for i := range gs {
			groups[gs[i].ID] = &gs[i]
		}
	}
	var ex []struct {
		RuleID   int64
		UserID   int64
		Username string
	}
	if err := s.q(ctx).Table("duo_assignment_rule_exclusions AS x").Joins("JOIN users u ON u.id = x.user_id").
		Select("x.rule_id, x.user_id, u.username").Where("x.rule_id IN ?", ruleIDs).Order("u.username").Scan(&ex).Error; err != nil {
		return err
	}
	byRule := map[int64]int{}
	for i, r := range rs {
		byRule[r.ID] = i
		if r.SourceGroupID != nil {
			if g := groups[*r.SourceGroupID]; g != nil {
				rs[i].group, rs[i].SourceGroupPath = g, g.FullPath
			}
		}
	}
	for _, x := range ex {
		r := &rs[byRule[x.RuleID]]
		r.Excluded = append(r.Excluded, x.Username)
		r.excludedIDs = append(r.excludedIDs, x.UserID)
	}
	return nil
}

// saveRule writes a new or changed rule and its exclusions, audited.
func (tx *Store) saveRule(ctx context.Context, actor Actor, p *AddOnPurchase, r *AssignmentRule, before *AssignmentRule) error {
	now := time.Now().UTC()
	r.UpdatedAt = now
	action := "duo_assignment_rule_updated"
	if r.ID == 0 {
		r.CreatedAt, action = now, "duo_assignment_rule_created"
		if err := tx.q(ctx).Create(r).Error; err != nil {
			return err
		}
	} else if err := tx.q(ctx).Model(r).Select("source_kind", "source_group_id", "source_value", "min_access_level", "mode", "updated_at").
		Updates(r).Error; err != nil {
		return err
	}
	if err := tx.q(ctx).Where("rule_id = ?", r.ID).Delete(&ruleExclusion{}).Error; err != nil {
		return err
	}
	if len(r.excludedIDs) > 0 {
		ex := make([]ruleExclusion, len(r.excludedIDs))
		for i, id := range r.excludedIDs {
			ex[i] = ruleExclusion{RuleID: r.ID, UserID: id}
		}
		if err := tx.q(ctx).Create(&ex).Error; err != nil {
			return err
		}
	}
	details := map[string]any{"add_on_purchase_id": p.ID, "rule": r.Summary(), "excluded": r.Excluded}
	if before != nil {
		details["rule"] = change(before.Summary(), r.Summary())
		details["excluded"] = change(before.Excluded, r.Excluded)
	}
	return tx.Audit(ctx, actor, AuditEntry{Action: action, TargetType: "AddOnPurchase", TargetID: p.ID,
		TargetName: string(p.AddOn), NamespaceID: p.NamespaceID, Details: details})
}

func (tx *Store) deleteRule(ctx context.Context, actor Actor, p *AddOnPurchase, r *AssignmentRule) error {
	if err := tx.q(ctx).Delete(&AssignmentRule{}, r.ID).Error; err != nil {
		return err
	}
	return tx.Audit(ctx, actor, AuditEntry{Action: "duo_assignment_rule_deleted", TargetType: "AddOnPurchase", TargetID: p.ID,
		TargetName: string(p.AddOn), NamespaceID: p.NamespaceID,
		Details: map[string]any{"add_on_purchase_id": p.ID, "rule": r.Summary(), "rule_id": r.ID}})
}

// sortedRuleIDs lists map keys in order, for deterministic statements.
func sortedRuleIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
