package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The rule sync's plan: from a purchase's rules and its seats, who gains a
// seat, who loses one and why, and who waits. The preview shows exactly
// the plan the sync then applies (assignment_rule_sync.go).

// RuleDiffUser is one user of a diff.
type RuleDiffUser struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	// RuleID is the rule that gives the seat (gains, waiting) or gave it
	// (losses).
	RuleID int64 `json:"rule_id,omitempty"`
	// Why a seat is lost.
	Why string `json:"why,omitempty"`
}

// RuleDiff is what a sync would do to a purchase's seats.
type RuleDiff struct {
	PurchaseID     int64 `json:"add_on_purchase_id"`
	Quantity       int   `json:"quantity"`
	AssignedBefore int64 `json:"assigned_before"`
	// Matching is how many eligible users the rules match (full syncs).
	Matching int            `json:"matching"`
	Gains    []RuleDiffUser `json:"gains"`
	Losses   []RuleDiffUser `json:"losses"`
	// Waiting match but find no free seat, first in line first.
	Waiting []RuleDiffUser `json:"waiting"`
	// Holds are why the run must be held whatever it removes: an LDAP
	// group that did not answer, or answered empty after having members.
	Holds []string `json:"holds,omitempty"`
	// GainsApplied: the run was held and its Gains were applied anyway
	// (only its losses wait for a person).
	GainsApplied bool `json:"gains_applied,omitempty"`

	// ldapCounts are the LDAP groups' sizes, recorded when applied.
	ldapCounts map[int64]int
	// ldapRules are the rules whose source is an LDAP group: the seats
	// they give or take are ledger rows of reason ldap, not rule.
	ldapRules map[int64]bool
}

// markLDAPRule notes that rule id's source is an LDAP group.
func (d *RuleDiff) markLDAPRule(id int64) {
	if d.ldapRules == nil {
		d.ldapRules = map[int64]bool{}
	}
	d.ldapRules[id] = true
}

// ruleActor is actor acting for rule id, with the ledger reason of its source.
func (d *RuleDiff) ruleActor(actor Actor, id int64) Actor {
	a := actor.WithRule(id)
	if d.ldapRules[id] {
		a.SeatReason = SeatReasonLDAP
	}
	return a
}

// Empty: the sync would change nothing.
func (d *RuleDiff) Empty() bool { return len(d.Gains) == 0 && len(d.Losses) == 0 }

// AssignedAfter is the seats assigned once the diff is applied.
func (d *RuleDiff) AssignedAfter() int64 {
	return d.AssignedBefore + int64(len(d.Gains)) - int64(len(d.Losses))
}

// lossIDs are the users who lose a seat, sorted, to compare two plans.
func (d *RuleDiff) lossIDs() []int64 {
	ids := make([]int64, len(d.Losses))
	for i, l := range d.Losses {
		ids[i] = l.UserID
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// planInput is the rule set a plan is made for: the purchase's own, or
// the one a rule change proposes.
type planInput struct {
	rules []AssignmentRule
	// deleted are rules the change deletes: their seats go when their mode
	// removed and no other rule matches.
	deleted []AssignmentRule
	// only restricts the plan to these users (a membership change); nil
	// is every user.
	only []int64
	// acceptEmpty takes an empty LDAP answer as true (an approved run).
	acceptEmpty bool
	// assigned is the purchase's seats when the caller counted them with
	// the purchase locked (nil: the plan counts).
	assigned *int64
}

type ruleMatch struct {
	since  time.Time
	ruleID int64
}

type seatOrigin struct {
	UserID int64
	RuleID *int64
}

// planRules makes the plan. Call it in the transaction that applies it,
// with the purchase locked, so the plan is what gets written.
func (s *Store) planRules(ctx context.Context, p *AddOnPurchase, in planInput) (*RuleDiff, error) {
	d := &RuleDiff{PurchaseID: p.ID, Quantity: p.Quantity, ldapCounts: map[int64]int{}}
	var assigned int64
	if in.assigned != nil {
		assigned = *in.assigned
	} else {
		n, err := s.AssignedCount(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		assigned = n
	}
	d.AssignedBefore = assigned
	var seats []seatOrigin
	sq := s.q(ctx).Model(&SeatAssignment{}).Select("user_id, rule_id").Where("add_on_purchase_id = ?", p.ID)
	if in.only != nil {
		sq = s.whereIDIn(sq, "user_id", in.only)
	}
	if err := sq.Scan(&seats).Error; err != nil {
		return nil, err
	}
	held := make(map[int64]*int64, len(seats))
	for _, st := range seats {
		held[st.UserID] = st.RuleID
	}

	matched := map[int64]ruleMatch{}
	rules := map[int64]*AssignmentRule{}
	for i := range in.rules {
		r := &in.rules[i]
		rules[r.ID] = r
		if err := s.matchRule(ctx, p, r, in, held, d, matched); err != nil {
			return nil, err
		}
	}
	d.Matching = len(matched)

	// Losses: seats a rule gave whose user no rule matches, when the rule
	// that gave it removes (or was deleted while removing). Seats given by
	// hand (no rule) are never a rule's to take.
	deleted := map[int64]*AssignmentRule{}
	for i := range in.deleted {
		deleted[in.deleted[i].ID] = &in.deleted[i]
	}
	for _, st := range seats {
		if st.RuleID == nil {
			continue
		}
		if _, ok := matched[st.UserID]; ok {
			continue
		}
		if r := rules[*st.RuleID]; r != nil && r.Mode == RuleModeAssignRemove {
			d.Losses = append(d.Losses, RuleDiffUser{UserID: st.UserID, RuleID: r.ID})
		} else if r := deleted[*st.RuleID]; r != nil && r.Mode == RuleModeAssignRemove {
			d.Losses = append(d.Losses, RuleDiffUser{UserID: st.UserID, RuleID: r.ID, Why: "the rule was deleted"})
		}
	}
	sort.Slice(d.Losses, func(i, j int) bool { return d.Losses[i].UserID < d.Losses[j].UserID })

	// Gains, in the stable order: earliest membership first.
	var cands []int64
	for id := range matched {
		if _, ok := held[id]; !ok {
			cands = append(cands, id)
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := matched[cands[i]], matched[cands[j]]
		if !a.since.Equal(b.since) {
			return a.since.Before(b.since)
		}
		return cands[i] < cands[j]
	})
	free := int64(p.Quantity) - assigned + int64(len(d.Losses))
	if !p.ActiveOn(Today()) || free < 0 {
		free = 0
	}
	if in.only != nil && int64(len(cands)) > free {
		// Not everyone fits: who goes first is decided among every
		// matching user, not only those whose membership changed.
		in.only = nil
		return s.planRules(ctx, p, in)
	}
	for i, id := range cands {
		u := RuleDiffUser{UserID: id, RuleID: matched[id].ruleID}
		if int64(i) < free {
			d.Gains = append(d.Gains, u)
		} else {
			d.Waiting = append(d.Waiting, u)
		}
	}
	if err := s.explainLosses(ctx, p, d, rules); err != nil {
		return nil, err
	}
	return d, s.nameDiffUsers(ctx, d)
}

// matchRule adds the users r matches to matched (the earliest membership
// wins), leaving out its excluded users.
func (s *Store) matchRule(ctx context.Context, p *AddOnPurchase, r *AssignmentRule, in planInput, held map[int64]*int64,
	d *RuleDiff, matched map[int64]ruleMatch) error {
	type row struct {
		UserID int64
		Since  time.Time
	}
	var rows []row
	var q *gorm.DB
	eligible := s.eligibleUsers(ctx, p).Select("u.id")
	switch r.SourceKind {
	case RuleSourceGroup:
		if r.group == nil {
			return nil // its group is gone
		}
		lo, hi := subtreeRange(r.group.TraversalPath)
		q = s.q(ctx).Table("members AS m").Select("m.user_id, m.created_at AS since").
			Where("m.root_namespace_id = ? AND NOT m.pending AND m.access_level >= ?", r.group.RootID(), r.MinAccessLevel)
		if in.only != nil {
			// A membership change: the few users' memberships by index.
			q = q.Where("m.user_id IN ?", in.only)
		}
		// Each membership's source is looked up by its primary key rather
		// than the subtree's groups and projects listed: with 100,000
		// projects the list outgrows work_mem, Postgres then scans it for
		// every membership (a non-hashed subplan, 130 s for a first sync
		// over 110,000 memberships), and one user's change would hash all
		// of them.
		q = q.Where(`((m.source_type = ? AND EXISTS (SELECT 1 FROM namespaces sn WHERE sn.id = m.source_id AND sn.traversal_path >= ? AND sn.traversal_path < ?))
			OR (m.source_type = ? AND EXISTS (SELECT 1 FROM projects pr JOIN namespaces pn ON pn.id = pr.namespace_id
				WHERE pr.id = m.source_id AND pn.traversal_path >= ? AND pn.traversal_path < ?)))`, SourceGroup, lo, hi, SourceProject, lo, hi)
		q = q.Where("m.user_id IN (?)", eligible).Order("m.created_at, m.id")
	case RuleSourceInstance:
		q = s.eligibleUsers(ctx, p).Select("u.id AS user_id, u.created_at AS since").Order("u.created_at, u.id")
		if in.only != nil {
			q = s.whereIDIn(q, "u.id", in.only)
		}
	case RuleSourceLDAPGroup:
		d.markLDAPRule(r.ID)
		names, err := s.ldapMembers(ctx, r.SourceValue)
		switch {
		case err != nil:
			// Unknown is not "nobody": the seats the rule gave stay, and
			// the run is held.
			d.Holds = append(d.Holds, fmt.Sprintf("LDAP group %s could not be read: %v", r.SourceValue, err))
			for uid, rid := range held {
				if rid != nil && *rid == r.ID {
					if _, ok := matched[uid]; !ok {
						matched[uid] = ruleMatch{ruleID: r.ID}
					}
				}
			}
			return nil
		case len(names) == 0 && r.LDAPMemberCount > 0 && !in.acceptEmpty:
			d.Holds = append(d.Holds, fmt.Sprintf("LDAP group %s came back empty; it had %d members", r.SourceValue, r.LDAPMemberCount))
		}
		d.ldapCounts[r.ID] = len(names)
		return s.matchLDAPNames(ctx, p, r, in, names, matched)
	default:
		return nil
	}
	if err := q.Scan(&rows).Error; err != nil {
		return err
	}
	excluded := idSetOf(r.excludedIDs)
	for _, x := range rows {
		if excluded[x.UserID] {
			continue
		}
		if m, ok := matched[x.UserID]; !ok || x.Since.Before(m.since) {
			matched[x.UserID] = ruleMatch{since: x.Since, ruleID: r.ID}
		}
	}
	return nil
}

// matchLDAPNames matches the directory's usernames or emails to eligible
// users, a thousand names a query; they wait in the order they joined.
func (s *Store) matchLDAPNames(ctx context.Context, p *AddOnPurchase, r *AssignmentRule, in planInput, names []string, matched map[int64]ruleMatch) error {
	excluded := idSetOf(r.excludedIDs)
	if in.only != nil {
		return s.matchLDAPNamesOf(ctx, p, in.only, names, func(id int64, since time.Time) {
			if m, ok := matched[id]; !excluded[id] && (!ok || since.Before(m.since)) {
				matched[id] = ruleMatch{since: since, ruleID: r.ID}
			}
		})
	}
	for start := 0; start < len(names); start += 1000 {
		chunk := make([]string, 0, 1000)
		for _, n := range names[start:min(start+1000, len(names))] {
			chunk = append(chunk, strings.ToLower(strings.TrimSpace(n)))
		}
		var rows []struct {
			UserID int64
			Since  time.Time
		}
		q := s.eligibleUsers(ctx, p).Select("u.id AS user_id, u.created_at AS since").
			Where("(lower(u.username) IN ? OR lower(u.email) IN ?)", chunk, chunk)
		if in.only != nil {
			q = s.whereIDIn(q, "u.id", in.only)
		}
		if err := q.Scan(&rows).Error; err != nil {
			return err
		}
		for _, x := range rows {
			if m, ok := matched[x.UserID]; !excluded[x.UserID] && (!ok || x.Since.Before(m.since)) {
				matched[x.UserID] = ruleMatch{since: x.Since, ruleID: r.ID}
			}
		}
	}
	return nil
}

// matchLDAPNamesOf is matchLDAPNames for a few users (a membership
// change): their names are read and looked up among the directory's, one
// query however large the group, instead of the group's names a thousand
// at a time.
func (s *Store) matchLDAPNamesOf(ctx context.Context, p *AddOnPurchase, users []int64, names []string, match func(int64, time.Time)) error {
	var rows []struct {
		UserID   int64
		Since    time.Time
		Username string
		Email    string
	}
	// Lower-cased by the database, as matchLDAPNames compares them.
	q := s.eligibleUsers(ctx, p).Select("u.id AS user_id, u.created_at AS since, lower(u.username) AS username, lower(u.email) AS email")
	if err := s.whereIDIn(q, "u.id", users).Scan(&rows).Error; err != nil || len(rows) == 0 {
		return err
	}
	inGroup := make(map[string]bool, len(names))
	for _, n := range names {
		inGroup[strings.ToLower(strings.TrimSpace(n))] = true
	}
	for _, x := range rows {
		if inGroup[x.Username] || inGroup[x.Email] {
			match(x.UserID, x.Since)
		}
	}
	return nil
}

func idSetOf(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// explainLosses says why each loss: excluded, no longer eligible, or no
// longer in the rule's source.
func (s *Store) explainLosses(ctx context.Context, p *AddOnPurchase, d *RuleDiff, rules map[int64]*AssignmentRule) error {
	var ids []int64
	for _, l := range d.Losses {
		if l.Why == "" {
			ids = append(ids, l.UserID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var eligible []int64
	if err := s.whereIDIn(s.eligibleUsers(ctx, p), "u.id", ids).Pluck("u.id", &eligible).Error; err != nil {
		return err
	}
	ok := idSetOf(eligible)
	for i := range d.Losses {
		l := &d.Losses[i]
		r := rules[l.RuleID]
		switch {
		case l.Why != "":
		case idSetOf(r.excludedIDs)[l.UserID]:
			l.Why = "excluded from the rule"
		case !ok[l.UserID]:
			l.Why = "no longer eligible for a seat"
		case r.SourceKind == RuleSourceLDAPGroup:
			l.Why = "no longer in LDAP group " + r.SourceValue
		case r.SourceKind == RuleSourceGroup:
			l.Why = fmt.Sprintf("no longer a member of %s with the %s role or higher", r.SourceGroupPath, r.MinAccessLevel)
		default:
			l.Why = "no longer matches the rule"
		}
	}
	return nil
}

// nameDiffUsers fills usernames and names, one query for the whole diff.
func (s *Store) nameDiffUsers(ctx context.Context, d *RuleDiff) error {
	lists := [][]RuleDiffUser{d.Gains, d.Losses, d.Waiting}
	var ids []int64
	for _, l := range lists {
		for _, u := range l {
			ids = append(ids, u.UserID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var users []struct {
		ID       int64
		Username string
		Name     string
	}
	if err := s.whereIDIn(s.q(ctx).Model(&User{}).Select("id, username, name"), "id", ids).Scan(&users).Error; err != nil {
		return err
	}
	byID := make(map[int64]int, len(users))
	for i, u := range users {
		byID[u.ID] = i
	}
	for _, l := range lists {
		for i := range l {
			if j, ok := byID[l[i].UserID]; ok {
				l[i].Username, l[i].Name = users[j].Username, users[j].Name
			}
		}
	}
	return nil
}
