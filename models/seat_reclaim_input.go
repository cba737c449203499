package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ReclaimPolicyInput is the policy form as typed: idle is "30", "60",
// "90" or "custom" (then CustomDays); exclusions are usernames and group
// full paths separated by commas, spaces or new lines.
type ReclaimPolicyInput struct {
	Enabled        bool
	Idle           string
	CustomDays     string
	NoticeDays     string
	ExcludedUsers  string
	ExcludedGroups string
}

// ReclaimPolicyInputOf is the form showing a stored policy.
func (s *Store) ReclaimPolicyInputOf(ctx context.Context, pol ReclaimPolicy) (ReclaimPolicyInput, error) {
	in := ReclaimPolicyInput{Enabled: pol.Enabled, Idle: strconv.Itoa(pol.IdleDays), NoticeDays: strconv.Itoa(pol.NoticeDays)}
	if !slices.Contains(ReclaimIdleChoices, pol.IdleDays) {
		in.Idle, in.CustomDays = "custom", strconv.Itoa(pol.IdleDays)
	}
	var users, groups []string
	if len(pol.ExcludedUserIDs) > 0 {
		if err := s.whereIDIn(s.q(ctx).Model(&User{}), "id", pol.ExcludedUserIDs).Order("username").Pluck("username", &users).Error; err != nil {
			return in, err
		}
	}
	if len(pol.ExcludedGroupIDs) > 0 {
		if err := s.whereIDIn(s.q(ctx).Model(&Group{}), "id", pol.ExcludedGroupIDs).Order("full_path").Pluck("full_path", &groups).Error; err != nil {
			return in, err
		}
	}
	in.ExcludedUsers, in.ExcludedGroups = strings.Join(users, ", "), strings.Join(groups, ", ")
	return in, nil
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// maxReclaimExclusions bounds each exclusion list.
const maxReclaimExclusions = 1000

// ReclaimPolicyFrom checks the form: a period of 1 to 3650 days, a notice
// of 0 to 365, and exclusions that name existing users and groups (on
// GitLab.com, groups of the purchase's hierarchy).
func (s *Store) ReclaimPolicyFrom(ctx context.Context, p *AddOnPurchase, in ReclaimPolicyInput) (ReclaimPolicy, error) {
	pol := ReclaimPolicy{AddOnPurchaseID: p.ID, Enabled: in.Enabled}
	errs := FieldErrors{}
	idle := in.Idle
	if idle == "custom" {
		idle = strings.TrimSpace(in.CustomDays)
		if n, err := strconv.Atoi(idle); err != nil || n < 1 || n > 3650 {
			errs.Add("custom_days", "must be a whole number of days from 1 to 3650")
		} else {
			pol.IdleDays = n
		}
	} else if n, err := strconv.Atoi(idle); err == nil && slices.Contains(ReclaimIdleChoices, n) {
		pol.IdleDays = n
	} else {
		errs.Add("idle_days", "must be 30, 60, 90 days or a number of days")
	}
	if n, err := strconv.Atoi(strings.TrimSpace(in.NoticeDays)); err != nil || n < 0 || n > 365 {
		errs.Add("notice_days", "must be a whole number of days from 0 to 365")
	} else {
		pol.NoticeDays = n
	}
	names := splitList(strings.ReplaceAll(in.ExcludedUsers, "@", ""))
	if len(names) > maxReclaimExclusions {
		errs.Add("excluded_users", fmt.Sprintf("at most %d users", maxReclaimExclusions))
	} else if len(names) > 0 {
		users, err := s.UsersByUsernameList(ctx, names)
		if err != nil {
			return pol, err
		}
		found := map[string]bool{}
		for _, u := range users {
			found[strings.ToLower(u.Username)] = true
			pol.ExcludedUserIDs = append(pol.ExcludedUserIDs, u.ID)
		}
		for _, n := range names {
			if !found[strings.ToLower(n)] {
				errs.Add("excluded_users", "no user "+n)
			}
		}
	}
	paths := splitList(in.ExcludedGroups)
	if len(paths) > maxReclaimExclusions {
		errs.Add("excluded_groups", fmt.Sprintf("at most %d groups", maxReclaimExclusions))
		paths = nil
	}
	for _, path := range paths {
		g, err := s.GroupByFullPath(ctx, path)
		if errors.Is(err, ErrNotFound) || (err == nil && p.NamespaceID != nil &&
			!strings.HasPrefix(g.TraversalPath, strconv.FormatInt(*p.NamespaceID, 10)+"/")) {
			errs.Add("excluded_groups", "no group "+path)
			continue
		}
		if err != nil {
			return pol, err
		}
		if !slices.Contains(pol.ExcludedGroupIDs, g.ID) {
			pol.ExcludedGroupIDs = append(pol.ExcludedGroupIDs, g.ID)
		}
	}
	return pol, errs.OrNil()
}
