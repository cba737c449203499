package models_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// Leavers one at a time: each membership change is a rule sync of one
// removal, and the guard counts the purchase's guarded removals of the
// window with the run's own, so the run that crosses the limit is held;
// an approval starts the count again; removals older than the window no
// longer count.
func TestGuardCountsRecentRemovalsOfOneAtATimeRuns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newRuleWorld(t, s, 14, 30)
		// At most 5 seats a day; the percentage is out of the way.
		if err := s.SetRemovalGuard(ctx, tester, w.p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 5, WindowHours: 24}); err != nil {
			t.Fatal(err)
		}
		// Leavers stay guests of acme/data: still eligible, so the seat is
		// the rule's to take, not the membership removal's.
		for i := 1; i <= 14; i++ {
			if _, err := s.AddMember(ctx, tester, models.GroupSource(w.data), w.users[fmt.Sprintf("dev%02d", i)], models.Guest); err != nil {
				t.Fatal(err)
			}
		}
		w.addRule(t, platformDevs)
		seats := func(want int) {
			t.Helper()
			if n := len(holderNames(t, s, w.p)); n != want {
				t.Fatalf("%d seats, want %d", n, want)
			}
		}
		held := func() []models.SeatSyncRun {
			t.Helper()
			rs, err := s.HeldRuns(ctx, w.p.ID)
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}
		seats(15)
		for i := 1; i <= 5; i++ {
			w.leave(t, fmt.Sprintf("dev%02d", i))
		}
		seats(10)
		if rs := held(); len(rs) != 0 {
			t.Fatalf("held within the limit: %+v", rs)
		}
		// The sixth removal of the day crosses the limit: held, nothing removed.
		w.leave(t, "dev06")
		seats(10)
		rs := held()
		if len(rs) != 1 || rs[0].Losses != 1 || !strings.Contains(rs[0].HoldReason, "with the 5 removed automatically in the last 24 hours, 6, more than 5") {
			t.Fatalf("held runs %+v", rs)
		}
		// Another leaver joins the held run (one held run, its diff replaced).
		w.leave(t, "dev07")
		seats(10)
		if rs = held(); len(rs) != 1 || rs[0].Losses != 2 {
			t.Fatalf("held runs %+v", rs)
		}
		if out, err := s.ApproveRun(ctx, tester, w.p.ID, rs[0].ID); err != nil || !out.Applied {
			t.Fatalf("approve: %+v %v", out, err)
		}
		seats(8)
		// A person said yes: the count starts again after the approval.
		for i := 8; i <= 12; i++ {
			w.leave(t, fmt.Sprintf("dev%02d", i))
		}
		seats(3)
		if rs := held(); len(rs) != 0 {
			t.Fatalf("held after an approval within the limit: %+v", rs)
		}
		// Runs older than the window no longer count.
		db, _ := s.SQLDB()
		if _, err := db.Exec(`UPDATE seat_sync_runs SET created_at = $1 WHERE status = 'applied'`, time.Now().UTC().Add(-25*time.Hour)); err != nil {
			t.Fatal(err)
		}
		w.leave(t, "dev13")
		seats(2)
		if rs := held(); len(rs) != 0 {
			t.Fatalf("removals older than the window counted: %+v", rs)
		}
		// A window of 0 counts each run alone.
		if err := s.SetRemovalGuard(ctx, tester, w.p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 0, WindowHours: 0}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.RecentGuardedRemovals(ctx, w.p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 0}, time.Now()); err != nil || n != 0 {
			t.Fatalf("recent removals with no window: %d %v", n, err)
		}
	})
}

// The ineligible-users job and the provisioning refresh count in the same
// window: what the refresh removed today counts when the job runs.
func TestGuardWindowCountsIneligibleRemovalsOfTheRefreshAndTheJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, _ := smPurchase(t, s, 10)
		if err := s.SetRemovalGuard(ctx, tester, p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 3, WindowHours: 24}); err != nil {
			t.Fatal(err)
		}
		db, _ := s.SQLDB()
		if _, err := db.Exec(`UPDATE users SET state = 'blocked' WHERE username IN ('u01', 'u02')`); err != nil {
			t.Fatal(err)
		}
		rs, run, err := s.RefreshSeatsGuarded(ctx, p.ID)
		if err != nil || run != nil || len(rs) != 2 {
			t.Fatalf("refresh: %d removed, held %+v, %v", len(rs), run, err)
		}
		if _, err := db.Exec(`UPDATE users SET state = 'blocked' WHERE username IN ('u03', 'u04')`); err != nil {
			t.Fatal(err)
		}
		rs, run, err = s.RemoveIneligibleGuarded(ctx, p.ID)
		if err != nil || run == nil || len(rs) != 0 || run.Losses != 2 {
			t.Fatalf("job: %d removed, held %+v, %v", len(rs), run, err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_assignments"); n != 8 {
			t.Fatalf("%d seats, want 8", n)
		}
	})
}

// The 4-hourly refresh and a subscription sync hold a mass removal of
// ineligible users like the ineligible-users job; the overage goes at
// once (GitLab's contract), the held seats counted as assigned.
func TestRefreshHoldsIneligibleRemovalsButNotOverage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, _ := smPurchase(t, s, 30)
		db, _ := s.SQLDB()
		// Behind the app's back (a directory sync, a billing change): 5 of
		// 30 blocked (more than 10 %), and the quantity cut to 20.
		if _, err := db.Exec(`UPDATE users SET state = 'blocked' WHERE username IN ('u01', 'u02', 'u03', 'u04', 'u05')`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE add_on_purchases SET quantity = 20, last_assigned_users_refreshed_at = NULL WHERE id = $1`, p.ID); err != nil {
			t.Fatal(err)
		}
		job, _ := models.JobByName("refresh")
		if _, summary, err := s.RunJobNow(ctx, job, time.Now()); err != nil || summary != "refreshed 1 purchase(s), removed 10 seat(s), 1 held for approval" {
			t.Fatalf("%q %v", summary, err)
		}
		holders := holderNames(t, s, p)
		if len(holders) != 20 || !slices.Contains(holders, "u01") || slices.Contains(holders, "u30") {
			t.Fatalf("holders %v: the blocked users' seats are held, the 10 most recently assigned went over quantity", holders)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_events WHERE event = 'lost' AND reason = 'overage'"); n != 10 {
			t.Fatalf("%d overage removals, want 10", n)
		}
		// A subscription sync holds too, in the same held run.
		if err := s.RefreshPurchase(ctx, tester, p.ID); err != nil {
			t.Fatal(err)
		}
		held, err := s.HeldRuns(ctx, p.ID)
		if err != nil || len(held) != 1 || held[0].Kind != models.SyncKindIneligible || held[0].Trigger != models.TriggerRefresh || held[0].Losses != 5 {
			t.Fatalf("held %+v %v", held, err)
		}
		if n := len(holderNames(t, s, p)); n != 20 {
			t.Fatalf("%d seats after the subscription sync, want 20", n)
		}
		if out, err := s.ApproveRun(ctx, tester, p.ID, held[0].ID); err != nil || !out.Applied {
			t.Fatalf("approve: %+v %v", out, err)
		}
		holders = holderNames(t, s, p)
		if len(holders) != 15 || slices.Contains(holders, "u01") {
			t.Fatalf("holders after approval %v", holders)
		}
	})
}

// A held run's gains go ahead, into the seats free without its losses:
// the held run's diff lists them as applied, and the gains that needed a
// held seat wait at the head of the line until the run is approved.
func TestHeldRunAppliesGainsAndListsThemAsApplied(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newRuleWorld(t, s, 40, 41)
		w.addRule(t, platformDevs)
		// Three newcomers find no free seat.
		for _, n := range []string{"new1", "new2", "new3"} {
			w.join(t, n, models.GroupSource(w.platform), models.Developer)
		}
		if n := len(holderNames(t, s, w.p)); n != 41 {
			t.Fatalf("%d seats", n)
		}
		// 30 leave behind the app's back, and one more seat is bought.
		db, _ := s.SQLDB()
		if _, err := db.Exec(`DELETE FROM members WHERE user_id IN (SELECT id FROM users WHERE username BETWEEN 'dev01' AND 'dev30')`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE add_on_purchases SET quantity = 42 WHERE id = $1`, w.p.ID); err != nil {
			t.Fatal(err)
		}
		res, err := s.SyncRules(ctx, models.Automation, w.p.ID, models.TriggerScheduled, true)
		if err != nil || res.Held == nil || res.Held.Losses != 30 {
			t.Fatalf("%+v %v", res, err)
		}
		holders := holderNames(t, s, w.p)
		if len(holders) != 42 || !slices.Contains(holders, "new1") || slices.Contains(holders, "new2") {
			t.Fatalf("holders %v: new1 takes the free seat, nobody loses one", holders)
		}
		d, err := res.Held.ParsedDiff()
		if err != nil {
			t.Fatal(err)
		}
		if !d.GainsApplied || !slices.Equal(diffNames(d.Gains), []string{"new1"}) || !slices.Equal(diffNames(d.Waiting), []string{"new2", "new3"}) ||
			len(d.Losses) != 30 {
			t.Fatalf("held diff: applied %v gains %v waiting %v losses %d", d.GainsApplied, diffNames(d.Gains), diffNames(d.Waiting), len(d.Losses))
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_sync_runs WHERE status = 'applied' AND gains = 1 AND losses = 0"); n != 1 {
			t.Fatalf("%d applied runs of the one gain, want 1", n)
		}
		out, err := s.ApproveRun(ctx, tester, w.p.ID, res.Held.ID)
		if err != nil || !out.Applied {
			t.Fatalf("approve: %+v %v", out, err)
		}
		holders = holderNames(t, s, w.p)
		if len(holders) != 14 || !slices.Contains(holders, "new2") || !slices.Contains(holders, "new3") {
			t.Fatalf("holders after approval %v", holders)
		}
	})
}
