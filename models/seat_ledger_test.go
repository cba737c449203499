package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// ledgerRows counts a user's ledger rows of one event and reason.
func ledgerRows(t *testing.T, s *models.Store, userID int64, event, reason string) int {
	t.Helper()
	return sqlCount(t, s, fmt.Sprintf("SELECT count(*) FROM seat_events WHERE user_id = %d AND event = '%s' AND reason = '%s'", userID, event, reason))
}

// A hand-built history: who held a seat on a day is read from the ledger
// alone, and the list filters by user, reason and time, newest first.
func TestSeatLedgerHistoryAndHoldersOn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		ann := mkUser(t, s, "ann", models.StateActive, false)
		bob := mkUser(t, s, "bob", models.StateActive, false)
		cid := mkUser(t, s, "cid", models.StateActive, false)
		const purchase, other = 7, 8
		at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }
		db, _ := s.SQLDB()
		row := func(p int64, u *models.User, event, reason string, when time.Time) {
			t.Helper()
			if _, err := db.Exec(`INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, actor_name, created_at)
				VALUES ($1, $2, $3, $4, 'tester', $5)`, p, u.ID, event, reason, when); err != nil {
				t.Fatal(err)
			}
		}
		// ann: gained 1 Mar, lost 5 Mar (blocked), gained again 10 Mar.
		row(purchase, ann, "gained", "manual", at(1, 9))
		row(purchase, ann, "lost", "blocked", at(5, 12))
		row(purchase, ann, "gained", "api", at(10, 8))
		// bob: gained 3 Mar, lost 3 Mar the same day (overage).
		row(purchase, bob, "gained", "bulk", at(3, 9))
		row(purchase, bob, "lost", "overage", at(3, 17))
		// cid holds a seat of another purchase only.
		row(other, cid, "gained", "manual", at(1, 9))

		for _, c := range []struct {
			day  int
			want []int64
		}{
			{0, []int64{}},               // 28 Feb: nobody yet (day 0 is the last of February)
			{1, []int64{ann.ID}},         // gained that day
			{3, []int64{ann.ID, bob.ID}}, // bob gained and lost on the day: held it then
			{4, []int64{ann.ID}},
			{5, []int64{ann.ID}},  // lost during the day: held it at the start
			{6, []int64{}},        // nobody
			{10, []int64{ann.ID}}, // gained again
			{20, []int64{ann.ID}},
		} {
			got, err := s.SeatHoldersOn(ctx, purchase, models.DateOf(at(c.day, 12)))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("holders on March %d: %v, want %v", c.day, got, c.want)
			}
		}

		page := models.Page{Number: 1, PerPage: 20}
		all, err := s.SeatEvents(ctx, purchase, models.SeatEventFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range all.Items {
			got = append(got, e.Username+" "+e.Event+" "+e.Reason)
		}
		want := []string{"ann gained api", "ann lost blocked", "bob lost overage", "bob gained bulk", "ann gained manual"}
		if all.Total != 5 || !slices.Equal(got, want) {
			t.Fatalf("events %d %v, want %v", all.Total, got, want)
		}
		byUser, _ := s.SeatEvents(ctx, purchase, models.SeatEventFilter{Username: "BOB"}, page)
		if byUser.Total != 2 || byUser.Items[0].Reason != "overage" {
			t.Fatalf("bob's events %+v", byUser)
		}
		byReason, _ := s.SeatEvents(ctx, purchase, models.SeatEventFilter{Reason: "blocked"}, page)
		if byReason.Total != 1 || byReason.Items[0].UserID != ann.ID || !byReason.Items[0].CreatedAt.Equal(at(5, 12)) {
			t.Fatalf("blocked events %+v", byReason)
		}
		from, to := at(3, 0), at(5, 12) // to is exclusive
		window, _ := s.SeatEvents(ctx, purchase, models.SeatEventFilter{From: &from, To: &to}, page)
		if window.Total != 2 || window.Items[0].Reason != "overage" || window.Items[1].Reason != "bulk" {
			t.Fatalf("events from 3 to 5 March %+v", window)
		}
		nobody, err := s.SeatEvents(ctx, purchase, models.SeatEventFilter{Username: "nobody"}, page)
		if err != nil || nobody.Total != 0 || len(nobody.Items) != 0 {
			t.Fatalf("unknown user %+v %v", nobody, err)
		}
		second, _ := s.SeatEvents(ctx, purchase, models.SeatEventFilter{}, models.Page{Number: 2, PerPage: 20})
		if second.Total != 5 || len(second.Items) != 0 {
			t.Fatalf("page 2 %+v", second)
		}
	})
}

// Every path that changes seats writes one ledger row per seat with its
// reason, in the change's transaction.
func TestSeatLedgerReasonOfEachPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users := smPurchase(t, s, 8) // each assigned by AssignSeat with no reason: manual
		for _, u := range users {
			if n := ledgerRows(t, s, u.ID, "gained", "manual"); n != 1 {
				t.Fatalf("%s: %d manual gains", u.Username, n)
			}
		}
		// The caller's reason is recorded as given, assigned and removed, single and bulk.
		for i, reason := range []string{models.SeatReasonBulk, models.SeatReasonAPI, models.SeatReasonCLI} {
			u := users[i]
			actor := tester.WithSeatReason(reason)
			if _, err := s.BulkUnassignSeats(ctx, actor, p.ID, []int64{u.ID}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AssignSeat(ctx, actor, p.ID, u.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.UnassignSeat(ctx, actor, p.ID, u.ID); err != nil {
				t.Fatal(err)
			}
			if ledgerRows(t, s, u.ID, "lost", reason) != 2 || ledgerRows(t, s, u.ID, "gained", reason) != 1 {
				t.Errorf("%s: reason %s not recorded on each change", u.Username, reason)
			}
		}
		// Nothing changed, nothing recorded.
		if _, err := s.UnassignSeat(ctx, tester, p.ID, users[0].ID); err != nil {
			t.Fatal(err)
		}
		if n := sqlCount(t, s, fmt.Sprintf("SELECT count(*) FROM seat_events WHERE user_id = %d", users[0].ID)); n != 4 {
			t.Fatalf("%d rows after a removal that changed nothing, want 4", n)
		}
		// State changes.
		for i, st := range map[int]models.UserState{3: models.StateBlocked, 4: models.StateBanned, 5: models.StateDeactivated} {
			if _, err := s.SetUserState(ctx, tester, users[i].ID, st); err != nil {
				t.Fatal(err)
			}
		}
		for i, reason := range map[int]string{3: "blocked", 4: "banned", 5: "deactivated"} {
			if ledgerRows(t, s, users[i].ID, "lost", reason) != 1 {
				t.Errorf("%s: no lost row with reason %s", users[i].Username, reason)
			}
		}
		// A bot holding a seat loses it at the refresh.
		bot := mkUser(t, s, "helper-bot", models.StateActive, true)
		db, _ := s.SQLDB()
		if _, err := db.Exec("INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3)", p.ID, bot.ID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RefreshSeats(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if ledgerRows(t, s, bot.ID, "lost", "bot") != 1 {
			t.Error("no lost row with reason bot")
		}
		// Overage: users 7 and 8 hold seats; quantity 1 removes one.
		if _, err := db.Exec("UPDATE add_on_purchases SET quantity = 1 WHERE id = $1", p.ID); err != nil {
			t.Fatal(err)
		}
		rs, err := s.ReconcileOverage(ctx, p.ID)
		if err != nil || len(rs) != 1 {
			t.Fatalf("overage removed %+v (%v)", rs, err)
		}
		if ledgerRows(t, s, rs[0].UserID, "lost", "overage") != 1 {
			t.Error("no lost row with reason overage")
		}
		// Expired: the purchase ended more than 28 days ago.
		if _, err := db.Exec("UPDATE add_on_purchases SET expires_on = $1 WHERE id = $2", models.Today().AddDays(-40).String(), p.ID); err != nil {
			t.Fatal(err)
		}
		holders, _ := s.SeatHolders(ctx, p.ID)
		if _, err := s.CleanupExpired(ctx, models.Today()); err != nil {
			t.Fatal(err)
		}
		if len(holders) != 1 || ledgerRows(t, s, holders[0], "lost", "expired") != 1 {
			t.Errorf("no lost row with reason expired (holders %v)", holders)
		}
		// The ledger and the seats agree: every seat gained and not lost is held.
		var gained, lost int
		db.QueryRow("SELECT count(*) FROM seat_events WHERE add_on_purchase_id = $1 AND event = 'gained'", p.ID).Scan(&gained)
		db.QueryRow("SELECT count(*) FROM seat_events WHERE add_on_purchase_id = $1 AND event = 'lost'", p.ID).Scan(&lost)
		if n, _ := s.AssignedCount(ctx, p.ID); int(n) != gained-lost+1 { // +1: the bot's seat was inserted by hand
			t.Errorf("%d seats, ledger says %d gained and %d lost", n, gained, lost)
		}
	})
}

func TestSeatLedgerTrialMembershipAndImport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 10)
		owner := w.users["owner"]
		p, err := s.StartTrial(ctx, models.ActorFor(owner), models.GitLabCom,
			models.TrialRequest{AddOn: models.AddOnDuoEnterprise, NamespaceID: &w.acme.ID, StarterID: owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		var purchaseID int64
		db, _ := s.SQLDB()
		db.QueryRow("SELECT add_on_purchase_id FROM seat_events WHERE user_id = $1 AND reason = 'trial'", owner.ID).Scan(&purchaseID)
		if purchaseID != p.ID || ledgerRows(t, s, owner.ID, "gained", "trial") != 1 {
			t.Fatal("the trial's starter has no gained row with reason trial")
		}
		// Membership removed on GitLab.com.
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["projguest"].ID); err != nil {
			t.Fatal(err)
		}
		proj, _ := s.ProjectByFullPath(ctx, "acme/sub/p")
		sub, _ := s.GroupByFullPath(ctx, "acme/sub")
		src := models.ProjectSource(proj, sub)
		page, err := s.Members(ctx, src, models.Page{Number: 1, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Items {
			if m.User.Username == "projguest" {
				if err := s.RemoveMember(ctx, tester, src, m.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if ledgerRows(t, s, w.users["projguest"].ID, "lost", "membership_removed") != 1 {
			t.Fatal("no lost row with reason membership_removed")
		}
	})
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustImport(t, s, parseString(t, seatFile))
		olga, _ := s.UserByUsername(ctx, "olga")
		if ledgerRows(t, s, olga.ID, "gained", "import") != 1 {
			t.Fatal("no gained row with reason import")
		}
		// Dated when the file says the seat was assigned.
		evs, err := s.UserSeatEvents(ctx, olga.ID, 10)
		if err != nil || len(evs) != 1 || !evs[0].CreatedAt.Equal(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)) || evs[0].ActorName != "import" {
			t.Fatalf("olga's ledger %+v %v", evs, err)
		}
	})
}

// renewed is a reserved reason: a renewal, within the 28 days after expiry
// or after them, moves no seat, so the ledger gets no row of it (GitLab
// keeps the assignments through the grace and does not bring back those
// the cleanup removed).
func TestSeatLedgerRenewalGainsNoSeat(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		today := models.Today()
		p, users := smPurchase(t, s, 2)
		db, _ := s.SQLDB()
		events := func() int {
			return sqlCount(t, s, fmt.Sprintf("SELECT count(*) FROM seat_events WHERE add_on_purchase_id = %d", p.ID))
		}
		expire := func(daysAgo int) {
			t.Helper()
			if _, err := db.Exec("UPDATE add_on_purchases SET expires_on = $1 WHERE id = $2", today.AddDays(-daysAgo).String(), p.ID); err != nil {
				t.Fatal(err)
			}
		}
		renew := func() {
			t.Helper()
			until := today.AddDays(365)
			if _, err := s.UpdatePurchase(ctx, tester, p.ID, models.PurchaseUpdate{ExpiresOn: &until}); err != nil {
				t.Fatal(err)
			}
		}
		before := events() // the two manual gains

		// Within the grace: the seats were kept, so none is regained.
		expire(10)
		renew()
		if n, _ := s.AssignedCount(ctx, p.ID); n != 2 {
			t.Fatalf("renewed within the grace: %d seats, want the 2 kept", n)
		}
		if n := events(); n != before {
			t.Errorf("renewed within the grace: %d ledger rows, want %d (no seat moved)", n, before)
		}

		// After the grace: the cleanup removed them (expired) and a renewal
		// brings none back.
		expire(40)
		if _, err := s.CleanupExpired(ctx, today); err != nil {
			t.Fatal(err)
		}
		afterCleanup := events()
		renew()
		if n, _ := s.AssignedCount(ctx, p.ID); n != 0 {
			t.Fatalf("renewed after the grace: %d seats, want 0 (users are reassigned by hand)", n)
		}
		for _, u := range users {
			if ledgerRows(t, s, u.ID, "lost", models.SeatReasonExpired) != 1 {
				t.Errorf("%s: no lost row with reason expired", u.Username)
			}
		}
		if n := events(); n != afterCleanup {
			t.Errorf("renewed after the grace: %d ledger rows, want %d (no seat moved)", n, afterCleanup)
		}
		if !slices.Contains(models.SeatReasons, models.SeatReasonRenewed) {
			t.Error("renewed is not listed among the reasons a filter accepts")
		}
	})
}
