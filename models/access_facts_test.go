package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/storetest"
)

func TestAccessFactsFeedTheDecision(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 5)
		cs, _ := access.FeatureByID("code_suggestions")
		decide := func(user string, ref models.ResourceRef) access.Decision {
			t.Helper()
			f, err := s.AccessFacts(ctx, models.GitLabCom, w.users[user], ref)
			if err != nil {
				t.Fatal(err)
			}
			return access.Decide(f, cs, access.ContextIDE)
		}
		if d := decide("outsider", models.ResourceRef{}); d.Reason != access.ReasonNotInPaidGroup {
			t.Fatalf("outsider: %+v", d)
		}
		if d := decide("subdev", models.ResourceRef{}); d.Reason != access.ReasonNoSeat {
			t.Fatalf("subdev without seat or Duo Core: %+v", d)
		}
		if err := s.SetGroupDuoCore(ctx, tester, w.acme, true); err != nil {
			t.Fatal(err)
		}
		if d := decide("subdev", models.ResourceRef{}); !d.Allowed || d.Tier != access.TierDuoCore {
			t.Fatalf("subdev with Duo Core: %+v", d)
		}
		if d := decide("projguest", models.ResourceRef{}); d.Allowed {
			t.Fatalf("a guest does not get Duo Core: %+v", d)
		}
		// partner is only in an invited group; a seat makes the group theirs.
		if d := decide("partner", models.ResourceRef{}); d.Reason != access.ReasonNotInPaidGroup {
			t.Fatalf("partner without seat: %+v", d)
		}
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["partner"].ID); err != nil {
			t.Fatal(err)
		}
		if d := decide("partner", models.ResourceRef{}); !d.Allowed || d.Tier != access.TierDuoPro {
			t.Fatalf("partner with a seat: %+v", d)
		}
		sub, _ := s.GroupByFullPath(ctx, "acme/sub")
		if _, err := s.SetGroupDuoAvailability(ctx, tester, sub, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		d := decide("partner", models.ResourceRef{Kind: access.ResourceProject, Path: "acme/sub/p"})
		if d.Reason != access.ReasonResourceDisabled || d.Path[len(d.Path)-1].Answer != "No — Always off: Enforced by acme/sub" {
			t.Fatalf("locked project: %+v", d)
		}
		if _, err := s.AccessFacts(ctx, models.GitLabCom, w.users["partner"], models.ResourceRef{Kind: access.ResourceProject, Path: "nope/x"}); err != models.ErrNotFound {
			t.Fatalf("unknown resource: %v", err)
		}
	})
}
