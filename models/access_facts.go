package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"duoadmin/models/access"
)

// ResourceRef names what a feature is used with.
type ResourceRef struct {
	Kind access.ResourceKind
	Path string
}

// AccessFacts loads what access.Decide needs for one user in one statement:
// their seats, on GitLab.com their paid top-level groups, and the group or
// project named with its ancestors; the instance settings are cached for
// SettingsCacheTTL. A resource that does not exist is ErrNotFound.
func (s *Store) AccessFacts(ctx context.Context, d Deployment, u *User, ref ResourceRef) (access.Facts, error) {
	return s.accessFacts(ctx, d, u, ref, false)
}

// AccessFactsAsMember is AccessFacts for users asking about themselves
// through the access API, who may only name a group or project they are a
// member of (MemberOfResource): one they are not is ErrNotFound, as one
// that does not exist. The check is part of the same statement.
func (s *Store) AccessFactsAsMember(ctx context.Context, d Deployment, u *User, ref ResourceRef) (access.Facts, error) {
	return s.accessFacts(ctx, d, u, ref, true)
}

// accessFacts serves from the access cache while it is live (see
// access_cache.go); the user's own fields come from u either way.
func (s *Store) accessFacts(ctx context.Context, d Deployment, u *User, ref ResourceRef, asMember bool) (access.Facts, error) {
	key := factsCacheKey{userID: u.ID, d: d, kind: ref.Kind, path: strings.ToLower(ref.Path), asMember: asMember}
	f, err, ok := s.cache.accessFacts(key)
	if !ok {
		t := s.cache.begin()
		var src factsSources
		f, src, err = s.loadAccessFacts(ctx, d, u, ref, asMember)
		if t.keep && (err == nil || errors.Is(err, ErrNotFound)) {
			s.cache.putAccessFacts(t, key, f, err, src.chain, src.project)
		}
	}
	f.User = accessUser(u)
	return f, err
}

// accessUser is the account as the decision sees it.
func accessUser(u *User) access.User {
	return access.User{Username: u.Username, Active: u.State == StateActive, State: string(u.State), Bot: u.Bot}
}

// factsSources names the rows of groups and projects facts were read from,
// so that a change to one of them retires the facts (access_cache.go).
type factsSources struct {
	chain   []int64 // the resource's groups, a group's own id among them
	project int64
}

func (s *Store) loadAccessFacts(ctx context.Context, d Deployment, u *User, ref ResourceRef, asMember bool) (access.Facts, factsSources, error) {
	var src factsSources
	f := access.Facts{GitLabCom: d == GitLabCom, User: accessUser(u),
		Resource: access.Resource{Kind: ref.Kind, Path: ref.Path}}
	if f.Resource.Kind == "" {
		f.Resource.Kind = access.ResourceNone
	}
	st, err := s.cachedInstanceSettings(ctx)
	if err != nil {
		return f, src, err
	}
	facts, err := s.loadFacts(ctx, factsQuery{deployment: d, userID: u.ID, subject: true, resource: ref, checkMember: asMember})
	if err != nil {
		return f, src, err
	}
	f.Seats, f.PaidGroups = facts.seats, facts.paidGroups
	if ref.Kind == access.ResourceGroup || ref.Kind == access.ResourceProject {
		r := facts.resource
		src = r.sources(ref.Kind)
		if !r.found || (asMember && !r.member) {
			return f, src, ErrNotFound
		}
		res := r.resolve(st, ref.Kind)
		f.Resource.Path, f.Resource.DuoEnabled, f.Resource.Why = r.self.FullPath, res.Enabled, res.SourceLabel()
		f.Resource.LockSource = res.LockSource()
	}
	if d != GitLabCom {
		f.InstanceNeverOn = InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) == NeverOn
		f.InstancePaidPlan = st.Plan.Paid()
		f.InstanceDuoCore = st.DuoCoreFeaturesEnabled
	}
	return f, src, nil
}

// An access-facts statement is a UNION ALL of rows of four kinds, all with
// the columns kind, ord, ord_text, id, path, name, add_on, started_at,
// expires_on, level, flag, enabled (typed NULLs where a kind has no value:
// Postgres resolves a UNION's types pairwise), in the order kind, ord,
// ord_text:
//
//   - 's', a seat the user holds on a purchase of this deployment (on
//     GitLab.com a top-level group's, else the instance's): ord the
//     purchase id, path its group, add_on, started_at, expires_on.
//   - 'g' (GitLab.com), a Premium/Ultimate top-level group the user is in
//     through an accepted membership anywhere below it
//     (members.root_namespace_id names it) or by holding one of its seats
//     (seat holders may be members only through an invited group):
//     ord_text lower(path), level the best role of those memberships (0
//     for a seat alone), flag its Duo Core setting.
//   - 'r' and 'a', the group or project named and its chain of groups
//     (access_resource.go).
//
// CTE mem is the user's accepted memberships, seats their seats; each
// takes the user's id.
const (
	memCTE = `mem AS (SELECT m.source_type, m.source_id, m.root_namespace_id, m.access_level
		FROM members m WHERE m.user_id = ? AND NOT m.pending)`
	seatsCTE = `seats AS (SELECT p.id, p.add_on, p.started_at, p.expires_on, p.namespace_id
		FROM seat_assignments sa JOIN add_on_purchases p ON p.id = sa.add_on_purchase_id
		WHERE sa.user_id = ? AND p.namespace_id %s)`
	seatRows = `SELECT 's' AS kind, s.id AS ord, '' AS ord_text, s.id AS id, n.full_path AS path, '' AS name,
		s.add_on AS add_on, s.started_at AS started_at, s.expires_on AS expires_on, 0 AS level,
		false AS flag, CAST(NULL AS boolean) AS enabled
	FROM seats s LEFT JOIN namespaces n ON n.id = s.namespace_id`
	// paidGroupRows takes the two paid plans.
	paidGroupRows = `SELECT 'g', 0, lower(g.full_path), g.id, g.full_path, '', '', CAST(NULL AS date), CAST(NULL AS date),
		MAX(r.access_level), g.duo_core_features_enabled, CAST(NULL AS boolean)
	FROM (SELECT root_namespace_id AS root_id, access_level FROM mem
		UNION ALL
		SELECT namespace_id, 0 FROM seats) r
	JOIN namespaces g ON g.id = r.root_id
	WHERE g.parent_id IS NULL AND g.plan IN (?, ?)
	GROUP BY g.id, g.full_path, g.duo_core_features_enabled`
)

// factsQuery is what one access-facts statement loads.
type factsQuery struct {
	deployment Deployment
	userID     int64
	// subject: the user's seats and, on GitLab.com, paid groups.
	subject  bool
	resource ResourceRef
	// checkMember: whether the user is a member of the resource.
	checkMember bool
}

type factsKey struct {
	dialect     Dialect
	deployment  Deployment
	subject     bool
	resource    access.ResourceKind
	checkMember bool
}

// A statement's parameters, in the order they appear in its text.
type factsArg int

const (
	argUser factsArg = iota
	argPath
	argPlans // two
)

type factsStatement struct {
	sql  string
	args []factsArg
}

// factsStatements holds every variant, built once.
var factsStatements = func() map[factsKey]factsStatement {
	out := map[factsKey]factsStatement{}
	for _, dialect := range []Dialect{Postgres, SQLite} {
		for _, d := range []Deployment{SelfManaged, GitLabCom} {
			for _, subject := range []bool{false, true} {
				for _, k := range []access.ResourceKind{access.ResourceNone, access.ResourceGroup, access.ResourceProject} {
					for _, check := range []bool{false, true} {
						key := factsKey{dialect, d, subject, k, check}
						out[key] = buildFactsStatement(key)
					}
				}
			}
		}
	}
	return out
}()

func buildFactsStatement(k factsKey) factsStatement {
	var st factsStatement
	var ctes, parts []string
	resource := k.resource == access.ResourceGroup || k.resource == access.ResourceProject
	if (k.subject && k.deployment == GitLabCom) || (resource && k.checkMember) {
		ctes, st.args = append(ctes, memCTE), append(st.args, argUser)
	}
	if k.subject {
		cond := "IS NULL"
		if k.deployment == GitLabCom {
			cond = "IS NOT NULL"
		}
		ctes, st.args = append(ctes, fmt.Sprintf(seatsCTE, cond)), append(st.args, argUser)
		parts = append(parts, seatRows)
	}
	if resource {
		res := projectResCTE
		if k.resource == access.ResourceGroup {
			res = groupResCTE
		}
		anc := fmt.Sprintf(ancCTE, traversalIDsPostgres, "j.pos", "j.id")
		if k.dialect == SQLite {
			anc = fmt.Sprintf(ancCTE, traversalIDsSQLite, "j.key + 1", "j.value")
		}
		ctes, st.args = append(ctes, res, anc), append(st.args, argPath)
	}
	if k.subject && k.deployment == GitLabCom {
		parts, st.args = append(parts, paidGroupRows), append(st.args, argPlans)
	}
	if resource {
		level := "0"
		switch {
		case k.checkMember && k.resource == access.ResourceProject:
			level = memberOfProject
		case k.checkMember:
			level = memberOfGroupChain
		}
		parts = append(parts, fmt.Sprintf(resRows, level))
	}
	if len(parts) == 0 {
		return factsStatement{}
	}
	sql := "WITH " + strings.Join(ctes, ",\n") + "\n" + strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY kind, ord, ord_text"
	st.sql = fixedSQL(k.dialect, sql)
	return st
}

// facts is what a factsQuery loaded.
type facts struct {
	seats      []access.Seat
	paidGroups []access.PaidGroup
	resource   resourceChain
}

func (s *Store) loadFacts(ctx context.Context, q factsQuery) (facts, error) {
	var out facts
	k := q.resource.Kind
	if k != access.ResourceGroup && k != access.ResourceProject {
		k = access.ResourceNone
	}
	d := q.deployment
	if !q.subject || d != GitLabCom {
		d = SelfManaged // the deployment only changes the subject's part
	}
	st := factsStatements[factsKey{s.dialect, d, q.subject, k, q.checkMember}]
	if st.sql == "" {
		return out, nil
	}
	args := make([]any, 0, len(st.args)+1)
	for _, a := range st.args {
		switch a {
		case argUser:
			args = append(args, q.userID)
		case argPath:
			args = append(args, q.resource.Path)
		case argPlans:
			args = append(args, PlanPremium, PlanUltimate)
		}
	}
	rows, err := s.rawRows(ctx, st.sql, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	today := Today()
	for rows.Next() {
		var (
			kind, ordText, name, addOn string
			ord, id, level             int64
			path                       *string
			startedAt, expiresOn       *Date
			flag                       bool
			enabled                    *bool
		)
		if err := rows.Scan(&kind, &ord, &ordText, &id, &path, &name, &addOn, &startedAt, &expiresOn, &level,
			&flag, &enabled); err != nil {
			return out, err
		}
		p := ""
		if path != nil {
			p = *path
		}
		switch kind {
		case "s":
			purchase := AddOnPurchase{StartedAt: startedAt}
			if expiresOn != nil {
				purchase.ExpiresOn = *expiresOn
			}
			sf := access.Seat{Tier: access.Tier(addOn), Namespace: p, ExpiresOn: purchase.ExpiresOn.Time,
				Active: purchase.ActiveOn(today)}
			out.seats = append(out.seats, sf)
		case "g":
			out.paidGroups = append(out.paidGroups, access.PaidGroup{Path: p, NonGuest: AccessLevel(level) > Guest, DuoCore: flag})
		case "r", "a":
			out.resource.addRow(kind, resourceRow{ID: id, FullPath: p, Name: name, Enabled: enabled, Locked: flag}, level != 0)
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	out.resource.finish(k)
	return out, nil
}

// paidGroupFacts: the Premium/Ultimate top-level groups the user is in
// through any accepted membership below them, or that are among seatRoots
// (the top-level groups of purchases whose seat they hold).
func (s *Store) paidGroupFacts(ctx context.Context, userID int64, seatRoots []int64) ([]access.PaidGroup, error) {
	sub, arg := s.idSet(seatRoots)
	var rows []struct {
		FullPath               string
		DuoCoreFeaturesEnabled bool
		AccessLevel            AccessLevel
	}
	err := s.q(ctx).Raw(`SELECT g.full_path, g.duo_core_features_enabled, MAX(r.access_level) AS access_level
		FROM (SELECT m.root_namespace_id AS root_id, m.access_level FROM members m WHERE m.user_id = ? AND NOT m.pending
			UNION ALL
			SELECT id, 0 FROM (`+sub+`) seat_roots) r
		JOIN namespaces g ON g.id = r.root_id
		WHERE g.parent_id IS NULL AND g.plan IN (?, ?)
		GROUP BY g.id, g.full_path, g.duo_core_features_enabled
		ORDER BY lower(g.full_path)`, userID, arg, PlanPremium, PlanUltimate).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]access.PaidGroup, len(rows))
	for i, r := range rows {
		out[i] = access.PaidGroup{Path: r.FullPath, NonGuest: r.AccessLevel > Guest, DuoCore: r.DuoCoreFeaturesEnabled}
	}
	return out, nil
}
