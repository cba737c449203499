package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// reclaimWorld: self-managed, a purchase of 20 seats whose seats were
// assigned 200 days ago, holders idle for the given number of days (-1:
// never used), user "ex" excluded by name and "gm" as a member of
// keep/sub (group keep excluded). The policy: 60 idle days, 7 days' notice.
// The mass-removal guard allows every removal.
func reclaimWorld(t *testing.T, s *models.Store, idle map[string]int) (*models.AddOnPurchase, map[string]*models.User, models.ReclaimPolicy) {
	t.Helper()
	ctx := context.Background()
	db, _ := s.SQLDB()
	if _, err := db.Exec("UPDATE instance_settings SET plan = 'premium'"); err != nil {
		t.Fatal(err)
	}
	today := models.Today()
	p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: 20, ExpiresOn: today.AddDays(300)})
	if err != nil {
		t.Fatal(err)
	}
	keep, _ := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "keep", Name: "Keep"})
	sub, _ := s.CreateGroup(ctx, tester, keep, models.GroupInput{Path: "sub", Name: "Sub"})
	users := map[string]*models.User{}
	for name, days := range idle {
		u := mkUser(t, s, name, models.StateActive, false)
		users[name] = u
		if _, err := s.AssignSeat(ctx, tester, p.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if days >= 0 {
			if _, err := db.Exec("UPDATE users SET last_duo_activity_on = $1 WHERE id = $2", today.AddDays(-days).String(), u.ID); err != nil {
				t.Fatal(err)
			}
		}
		if name == "gm" {
			if _, err := s.AddMember(ctx, tester, models.GroupSource(sub), u, models.Developer); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.Exec("UPDATE seat_assignments SET created_at = $1", today.AddDays(-200).Time); err != nil {
		t.Fatal(err)
	}
	pol := models.ReclaimPolicy{Enabled: true, IdleDays: 60, NoticeDays: 7, ExcludedGroupIDs: []int64{keep.ID}}
	if u, ok := users["ex"]; ok {
		pol.ExcludedUserIDs = []int64{u.ID}
	}
	if err := s.SaveReclaimPolicy(ctx, tester, p, pol); err != nil {
		t.Fatal(err)
	}
	// These tests are about the policy; the mass-removal guard over
	// reclaims (seat_reclaim_guard_test.go) would hold their runs.
	if err := s.SetRemovalGuard(ctx, tester, p.ID, models.RemovalGuard{MaxPercent: 100, MaxSeats: 100}); err != nil {
		t.Fatal(err)
	}
	return p, users, pol
}

func names(cs []models.ReclaimCandidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Username)
	}
	slices.Sort(out)
	return out
}

// The boundaries: idle N-1 days gets no notice, N and N+1 do; exclusions
// by user and by group membership (of a subgroup) get none; the notice
// mail names the date; seven days later the seats go, with reason reclaim
// in the ledger, audited and mailed.
func TestReclaimBoundariesExclusionsAndNotices(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users, _ := reclaimWorld(t, s, map[string]int{"n59": 59, "n60": 60, "n61": 61, "fresh": 3, "ex": 120, "gm": 120})
		today := models.Today()
		res, err := s.RunReclaim(ctx, p.ID, today)
		if err != nil {
			t.Fatal(err)
		}
		notices, _ := s.ReclaimNotices(ctx, p.ID, models.Page{Number: 1, PerPage: 20})
		var noticed []string
		for _, n := range notices.Items {
			noticed = append(noticed, n.Username)
			if n.ReclaimOn != today.AddDays(7) {
				t.Errorf("%s: reclaim on %s, want %s", n.Username, n.ReclaimOn, today.AddDays(7))
			}
		}
		slices.Sort(noticed)
		if fmt.Sprint(noticed) != "[n60 n61]" || res.Noticed != 2 || len(res.Reclaimed) != 0 {
			t.Fatalf("noticed %v (%+v), want n60 and n61 only", noticed, res)
		}
		subject := "Your GitLab Duo seat will be reclaimed on " + today.AddDays(7).String() + " unless you use GitLab Duo"
		if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_reclaim_notice' AND subject = '"+subject+"'"); n != 2 {
			t.Errorf("%d notice mails with %q, want 2", n, subject)
		}
		// A second run the same day sends nothing new.
		if res, _ := s.RunReclaim(ctx, p.ID, today); res.Noticed != 0 || len(res.Reclaimed) != 0 {
			t.Errorf("second run: %+v", res)
		}
		// n59 reaches 60 days tomorrow and gets its notice then.
		if res, _ := s.RunReclaim(ctx, p.ID, today.AddDays(1)); res.Noticed != 1 {
			t.Errorf("day 1: %+v, want n59 noticed", res)
		}
		if res, _ := s.RunReclaim(ctx, p.ID, today.AddDays(6)); len(res.Reclaimed) != 0 {
			t.Errorf("day 6: reclaimed %v before the notice date", res.Reclaimed)
		}
		res, err = s.RunReclaim(ctx, p.ID, today.AddDays(7))
		if err != nil || len(res.Reclaimed) != 2 {
			t.Fatalf("day 7: %+v %v, want n60 and n61 reclaimed", res, err)
		}
		for _, n := range []string{"n60", "n61"} {
			id := users[n].ID
			if ledgerRows(t, s, id, models.SeatLost, models.SeatReasonReclaim) != 1 {
				t.Errorf("%s: no ledger row with reason reclaim", n)
			}
			if c := sqlCount(t, s, fmt.Sprintf("SELECT count(*) FROM email_outbox WHERE kind = 'seat_removed' AND to_address = '%s'", users[n].Email)); c != 1 {
				t.Errorf("%s: %d removal mails", n, c)
			}
		}
		// Two seats in one run: one audit event for the action (#17), with
		// the count per reason; each user's part is their ledger row.
		if c := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'seats_unassigned' AND details LIKE '%idle_reclaimed%'"); c != 1 {
			t.Errorf("%d seats_unassigned audit events for the reclaim, want 1", c)
		}
		if c := sqlCount(t, s, "SELECT count(*) FROM seat_assignments"); c != 4 {
			t.Errorf("%d seats left, want 4 (n59, fresh, ex, gm)", c)
		}
	})
}

// Use during the notice cancels it: the seat is not reclaimed on the date.
func TestReclaimUseDuringNoticeCancels(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users, _ := reclaimWorld(t, s, map[string]int{"back": 70, "gone": 70})
		today := models.Today()
		if res, _ := s.RunReclaim(ctx, p.ID, today); res.Noticed != 2 {
			t.Fatalf("notices: %+v", res)
		}
		// "back" uses GitLab Duo on day 2 (what an ingested event records;
		// ingestion refuses events in the future, and day 2 is).
		db, _ := s.SQLDB()
		if _, err := db.Exec("UPDATE users SET last_duo_activity_on = $1 WHERE id = $2", today.AddDays(2).String(), users["back"].ID); err != nil {
			t.Fatal(err)
		}
		res, err := s.RunReclaim(ctx, p.ID, today.AddDays(3))
		if err != nil || res.Cancelled != 1 {
			t.Fatalf("day 3: %+v %v, want back's notice withdrawn", res, err)
		}
		res, _ = s.RunReclaim(ctx, p.ID, today.AddDays(7))
		if len(res.Reclaimed) != 1 || res.Reclaimed[0].UserID != users["gone"].ID {
			t.Fatalf("day 7: reclaimed %+v, want gone only", res.Reclaimed)
		}
	})
}

// The preview lists exactly what daily runs reclaim over the next 30
// days if nobody uses GitLab Duo, each on the day it says.
func TestReclaimPreviewEqualsWhatIsReclaimed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		idle := map[string]int{"never": -1, "ex": -1, "gm": 100}
		for _, d := range []int{10, 22, 23, 24, 36, 37, 38, 52, 53, 59, 60, 61, 90} {
			idle[fmt.Sprintf("d%d", d)] = d
		}
		p, _, pol := reclaimWorld(t, s, idle)
		today := models.Today()
		preview, err := s.ReclaimPreview(ctx, p, pol, today, models.ReclaimPreviewDays)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]models.Date{}
		for _, c := range preview {
			want[c.Username] = c.ReclaimOn
		}
		// idle >= 60+7-30 = 37 days today; never used counts from the assignment (200 days).
		if got := names(preview); fmt.Sprint(got) != "[d37 d38 d52 d53 d59 d60 d61 d90 never]" {
			t.Fatalf("preview %v", got)
		}
		got := map[string]models.Date{}
		for i := 0; i <= models.ReclaimPreviewDays; i++ {
			res, err := s.RunReclaim(ctx, p.ID, today.AddDays(i))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Reclaimed {
				got[r.Username] = today.AddDays(i)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("reclaimed %v\npreview   %v", got, want)
		}
	})
}
