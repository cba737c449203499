package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func refusal(err error) string {
	var tr *models.TrialRefused
	if errors.As(err, &tr) {
		return tr.Reason
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return ""
}

func purchaseCount(t *testing.T, s *models.Store, ns *int64) int {
	t.Helper()
	ps, err := s.PurchasesFor(context.Background(), ns)
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

func TestStartTrialOnGitLabCom(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 10) // acme: Ultimate with a Duo Pro purchase
		owner := w.users["owner"]
		actor := models.ActorFor(owner)
		req := models.TrialRequest{AddOn: models.AddOnDuoPro, NamespaceID: &w.acme.ID, StarterID: owner.ID}

		// Duo Pro was bought already: never a trial of it.
		_, err := s.StartTrial(ctx, actor, models.GitLabCom, req)
		if got := refusal(err); got != "Acme already had GitLab Duo Pro. A free trial is only available once." {
			t.Fatalf("pro trial: %q", got)
		}

		// Enterprise: 60 days from today, the starter holds a seat at once.
		req.AddOn = models.AddOnDuoEnterprise
		p, err := s.StartTrial(ctx, actor, models.GitLabCom, req)
		if err != nil {
			t.Fatal(err)
		}
		today := models.Today()
		if !p.Trial || p.StartedAt == nil || p.StartedAt.String() != today.String() ||
			p.ExpiresOn.String() != today.AddDays(60).String() || *p.NamespaceID != w.acme.ID {
			t.Fatalf("trial purchase %+v", p)
		}
		// No subscription: as many seats as eligible users (owner, subdev, projguest, partner, vendorboss).
		if p.Quantity != 5 {
			t.Fatalf("quantity %d, want the 5 eligible users", p.Quantity)
		}
		holders, _ := s.SeatHolders(ctx, p.ID)
		if len(holders) != 1 || holders[0] != owner.ID {
			t.Fatalf("seat holders %v, want the owner", holders)
		}
		if ev := latestAudit(t, s, "duo_trial_started"); ev == nil || ev.ActorName != "owner" || *ev.TargetID != p.ID {
			t.Fatalf("audit %+v", ev)
		}
		// And only once.
		_, err = s.StartTrial(ctx, actor, models.GitLabCom, req)
		if got := refusal(err); got != "Acme already had GitLab Duo Enterprise. A free trial is only available once." {
			t.Fatalf("second trial: %q", got)
		}
	})
}

func latestAudit(t *testing.T, s *models.Store, action string) *models.AuditEvent {
	t.Helper()
	evs, err := s.RecentAuditEvents(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if evs[i].Action == action {
			return &evs[i]
		}
	}
	return nil
}

func TestTrialPlansAndScope(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		starter := mkUser(t, s, "starter", models.StateActive, false)
		mk := func(path string, plan models.Plan, parent *models.Group) *models.Group {
			g, err := s.CreateGroup(ctx, tester, parent, models.GroupInput{Path: path, Name: strings.ToUpper(path), Plan: plan})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddMember(ctx, tester, models.GroupSource(g), starter, models.Owner); err != nil {
				t.Fatal(err)
			}
			return g
		}
		free, premium, ultimate := mk("free", models.PlanFree, nil), mk("premium", models.PlanPremium, nil), mk("ultimate", models.PlanUltimate, nil)
		sub := mk("sub", "", ultimate)
		check := func(addOn models.AddOn, g *models.Group) string {
			return refusal(s.TrialCheck(ctx, models.GitLabCom, addOn, &g.ID))
		}
		cases := []struct {
			addOn models.AddOn
			g     *models.Group
			want  string
		}{
			{models.AddOnDuoPro, free, "A GitLab Duo Pro trial needs a Premium or Ultimate subscription; FREE has Free."},
			{models.AddOnDuoPro, premium, ""},
			{models.AddOnDuoPro, ultimate, ""}, // GitLab offers Duo Pro trials on Ultimate too
			{models.AddOnDuoEnterprise, premium, "A GitLab Duo Enterprise trial needs an Ultimate subscription; PREMIUM has Premium."},
			{models.AddOnDuoEnterprise, ultimate, ""},
			{models.AddOnDuoPro, sub, "A GitLab Duo trial can only be started on a top-level group."},
		}
		for _, c := range cases {
			if got := check(c.addOn, c.g); got != c.want {
				t.Errorf("%s on %s: %q, want %q", c.addOn, c.g.FullPath, got, c.want)
			}
		}
		if got := refusal(s.TrialCheck(ctx, models.GitLabCom, models.AddOnDuoPro, nil)); got != "On GitLab.com a GitLab Duo trial belongs to a top-level group." {
			t.Errorf("nil namespace on .com: %q", got)
		}
		if got := refusal(s.TrialCheck(ctx, models.SelfManaged, models.AddOnDuoPro, &premium.ID)); got != "On a self-managed instance a GitLab Duo trial belongs to the instance." {
			t.Errorf("group on self-managed: %q", got)
		}
		// An ended subscription is not an active paid plan.
		if _, err := s.CreateSubscription(ctx, tester, models.GitLabCom, models.SubscriptionInput{NamespaceID: &premium.ID,
			Name: "A-S00000009", Plan: models.PlanPremium, Seats: 7, StartsOn: models.Today().AddDays(-400), EndsOn: models.Today()}); err != nil {
			t.Fatal(err)
		}
		if got := check(models.AddOnDuoPro, premium); got != "The subscription A-S00000009 has ended, so a GitLab Duo trial cannot be started." {
			t.Errorf("ended subscription: %q", got)
		}
		// A refused start writes nothing.
		if _, err := s.StartTrial(ctx, tester, models.GitLabCom, models.TrialRequest{AddOn: models.AddOnDuoPro, NamespaceID: &free.ID, StarterID: starter.ID}); err == nil {
			t.Fatal("trial on a free group started")
		}
		if n := purchaseCount(t, s, &free.ID); n != 0 {
			t.Fatalf("%d purchases on free", n)
		}
	})
}

func TestStartTrialSelfManagedUsesSubscriptionSeats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin := mkUser(t, s, "root", models.StateActive, false)
		if _, err := s.CreateSubscription(ctx, tester, models.SelfManaged, models.SubscriptionInput{Name: "A-S00000042",
			Plan: models.PlanPremium, Seats: 42, StartsOn: models.Today().AddDays(-10), EndsOn: models.Today().AddDays(355)}); err != nil {
			t.Fatal(err)
		}
		req := models.TrialRequest{AddOn: models.AddOnDuoEnterprise, StarterID: admin.ID}
		if got := refusal(s.TrialCheck(ctx, models.SelfManaged, req.AddOn, nil)); got != "A GitLab Duo Enterprise trial needs an Ultimate subscription; this instance has Premium." {
			t.Fatalf("enterprise on premium: %q", got)
		}
		req.AddOn = models.AddOnDuoPro
		p, err := s.StartTrial(ctx, models.ActorFor(admin), models.SelfManaged, req)
		if err != nil {
			t.Fatal(err)
		}
		if p.Quantity != 42 || p.PurchaseXID != "A-S00000042" || p.NamespaceID != nil || !p.Trial {
			t.Fatalf("trial %+v", p)
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 1 {
			t.Fatalf("assigned %d", n)
		}
	})
}

// The purchase and the starter's seat are one transaction: a starter who
// cannot hold a seat leaves no trial behind.
func TestStartTrialRollsBackWithoutTheStartersSeat(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		bot := mkUser(t, s, "somebot", models.StateActive, true)
		if err := s.SetInstancePlan(ctx, tester, models.PlanPremium); err != nil {
			t.Fatal(err)
		}
		_, err := s.StartTrial(ctx, tester, models.SelfManaged, models.TrialRequest{AddOn: models.AddOnDuoPro, StarterID: bot.ID})
		if got := refusal(err); got != "Only an active user who can hold a GitLab Duo seat can start a trial." {
			t.Fatalf("bot starter: %q", got)
		}
		if n := purchaseCount(t, s, nil); n != 0 {
			t.Fatalf("%d purchases left behind", n)
		}
		if ev := latestAudit(t, s, "add_on_purchase_created"); ev != nil {
			t.Fatalf("audit event of a rolled back purchase: %+v", ev)
		}
	})
}

// RefreshPurchase re-checks a purchase's seats in one transaction: an
// ineligible holder loses the seat, and the refresh time is recorded.
func TestRefreshPurchaseRemovesIneligibleSeats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 10)
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["subdev"].ID); err != nil {
			t.Fatal(err)
		}
		// One seat of one is more than the mass-removal guard's 10 %: the
		// purchase raises it, or the refresh holds the removal (tested in
		// seat_removal_guard_window_test.go).
		if err := s.SetRemovalGuard(ctx, tester, w.purchase.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 25}); err != nil {
			t.Fatal(err)
		}
		// Leaving the hierarchy behind the Store's back (as a sync from
		// elsewhere would) leaves the seat to the refresh.
		db, _ := s.SQLDB()
		if _, err := db.Exec("DELETE FROM members WHERE user_id = $1", w.users["subdev"].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RefreshPurchase(ctx, tester, w.purchase.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.AssignedCount(ctx, w.purchase.ID); n != 0 {
			t.Fatalf("%d seats left; the ineligible holder's should be gone", n)
		}
		p, err := s.PurchaseByID(ctx, w.purchase.ID)
		if err != nil || p.LastAssignedUsersRefreshedAt == nil {
			t.Fatalf("refresh time not recorded: %+v %v", p, err)
		}
		if err := s.RefreshPurchase(ctx, tester, 987654); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown purchase: %v", err)
		}
	})
}
