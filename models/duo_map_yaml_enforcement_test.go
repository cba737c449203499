package models_test

import (
	"context"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// Only those who may enforce apply a file's enforcement changes: an
// administrator anywhere; on GitLab.com a top-level group's owners for its
// subgroups, never over an administrator's enforcement. An enforced
// setting locks and is never under another lock.
func TestAvailabilityFileEnforcementNeedsTheEnforcingPower(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		top, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
		if err != nil {
			t.Fatal(err)
		}
		sub, _ := s.CreateGroup(ctx, tester, top, models.GroupInput{Path: "platform", Name: "Platform"})
		other, _ := s.CreateGroup(ctx, tester, top, models.GroupInput{Path: "tools", Name: "Tools"})
		enforce := func(paths ...string) models.AvailabilityFile {
			f := models.AvailabilityFile{Groups: map[string]models.Availability{}, Enforced: map[string]models.AvailabilityEnforcement{}}
			for _, p := range paths {
				f.Groups[p] = models.NeverOn
				f.Enforced[p] = models.AvailabilityEnforcement{Reason: "file"}
			}
			return f
		}
		refused := func(err error, path, want string) {
			t.Helper()
			fe, ok := err.(models.FieldErrors)
			if !ok || !strings.Contains(fe["groups."+path], want) {
				t.Fatalf("%s: %v, want %q", path, err, want)
			}
		}
		// An owner (GitLab.com) enforces a subgroup, not the top-level group.
		plan, err := s.PlanAvailability(ctx, top, models.GitLabCom, enforce("acme/platform"), false)
		if err != nil || plan.EnforcementsAdded != 1 || plan.Summary() != "1 group changes, 1 lock added, 1 enforcement added" {
			t.Fatalf("owner enforcing a subgroup: %v %s", err, plan.Summary())
		}
		_, err = s.PlanAvailability(ctx, top, models.GitLabCom, enforce("acme"), false)
		refused(err, "acme", "only an administrator can enforce")
		_, err = s.PlanAvailability(ctx, nil, models.SelfManaged, enforce("acme/platform"), false)
		refused(err, "acme/platform", "only an administrator can enforce")
		// Enforced: Always on or Always off, never under a lock.
		f := enforce("acme/platform")
		f.Groups["acme/platform"] = models.DefaultOff
		_, err = s.PlanAvailability(ctx, nil, models.SelfManaged, f, true)
		refused(err, "acme/platform", "an enforced setting is Always on or Always off")
		f = enforce("acme/platform")
		f.Groups["acme"] = models.NeverOn
		_, err = s.PlanAvailability(ctx, nil, models.SelfManaged, f, true)
		refused(err, "acme/platform", "cannot be enforced under the lock of acme")

		// An administrator's enforcement: an owner's file may neither release
		// nor change it, and the database is left as it was.
		if _, err := s.EnforceGroupDuo(ctx, tester, sub, models.DuoEnforcement{Availability: models.NeverOn, Reason: "admin", ByAdmin: true}); err != nil {
			t.Fatal(err)
		}
		_, err = s.ApplyAvailability(ctx, tester, top, models.GitLabCom, models.AvailabilityFile{Groups: map[string]models.Availability{"acme/platform": models.NeverOn}}, false)
		refused(err, "acme/platform", "cannot be changed because it is enforced by an administrator")
		if g, _ := s.GroupByID(ctx, sub.ID); !g.DuoEnforced() {
			t.Fatal("an owner's file released an administrator's enforcement")
		}
		// The administrator's file releases it and enforces tools, as one change.
		plan, err = s.ApplyAvailability(ctx, tester, nil, models.SelfManaged, enforce("acme/tools"), true)
		if err != nil || plan.EnforcementsAdded != 1 || plan.EnforcementsReleased != 1 {
			t.Fatalf("admin apply: %v %+v", err, plan)
		}
		g, _ := s.GroupByID(ctx, sub.ID)
		o, _ := s.GroupByID(ctx, other.ID)
		if g.DuoEnforced() || !o.DuoEnforced() || o.DuoEnforcedReason != "file" || !o.DuoEnforcedByAdmin {
			t.Fatalf("after apply: platform %+v, tools %+v", g, o)
		}
	})
}
