package models_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// smPurchase: a self-managed Premium instance with n active users, all
// holding seats of a Duo Pro purchase of quantity n that started 30 days ago.
func smPurchase(t *testing.T, s *models.Store, n int) (*models.AddOnPurchase, []*models.User) {
	t.Helper()
	ctx := context.Background()
	db, _ := s.SQLDB()
	if _, err := db.Exec("UPDATE instance_settings SET plan = 'premium'"); err != nil {
		t.Fatal(err)
	}
	start := models.Today().AddDays(-30)
	p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: n,
		StartedAt: &start, ExpiresOn: models.Today().AddDays(300)})
	if err != nil {
		t.Fatal(err)
	}
	var users []*models.User
	for i := range n {
		u := mkUser(t, s, fmt.Sprintf("u%02d", i+1), models.StateActive, false)
		users = append(users, u)
		if _, err := s.AssignSeat(ctx, tester, p.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	return p, users
}

func setUsage(t *testing.T, db *sql.DB, u *models.User, at *time.Time) {
	t.Helper()
	if _, err := db.Exec("UPDATE users SET last_code_suggestions_usage_at = $1 WHERE id = $2", at, u.ID); err != nil {
		t.Fatal(err)
	}
}

func usernames(rs []models.Removal) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Username
	}
	return out
}

func TestOverageOrderAndTheFiftyToThirtyExample(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users := smPurchase(t, s, 50)
		db, _ := s.SQLDB()
		start := p.StartedAt.Time
		// Users 1-20 used Code Suggestions after the start, at times that
		// repeat (ties); 21-25 used it only before the start; 26-50 never.
		type used struct {
			u  *models.User
			at time.Time
		}
		var usedUsers []used
		for i := range 20 {
			at := start.Add(time.Duration(24+(i%7)) * time.Hour) // 7 distinct times, so ties
			setUsage(t, db, users[i], &at)
			usedUsers = append(usedUsers, used{users[i], at})
		}
		before := start.Add(-48 * time.Hour)
		for i := 20; i < 25; i++ {
			setUsage(t, db, users[i], &before)
		}
		// Expected: unused (21-50) most recently assigned first, then used by
		// least recent use, ties most recently assigned first.
		var want []string
		for i := 49; i >= 20; i-- {
			want = append(want, users[i].Username)
		}
		sort.SliceStable(usedUsers, func(a, b int) bool {
			if !usedUsers[a].at.Equal(usedUsers[b].at) {
				return usedUsers[a].at.Before(usedUsers[b].at)
			}
			return usedUsers[a].u.ID > usedUsers[b].u.ID
		})
		for _, x := range usedUsers {
			want = append(want, x.u.Username)
		}
		all, err := s.PreviewQuantityChange(ctx, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(usernames(all), ","); got != strings.Join(want, ",") {
			t.Fatalf("removal order\n got %s\nwant %s", got, strings.Join(want, ","))
		}
		// The example: 50 seats all assigned, renewed at 30 -> 20 removed,
		// and the preview is exactly what the removal removes.
		preview, err := s.PreviewQuantityChange(ctx, p, 30)
		if err != nil || len(preview) != 20 {
			t.Fatalf("preview %d %v", len(preview), err)
		}
		q := 30
		if _, err := s.UpdatePurchase(ctx, tester, p.ID, models.PurchaseUpdate{Quantity: &q}); err != nil {
			t.Fatal(err)
		}
		// The ledger has a lost row for each of them (in no particular
		// order among themselves: they share their time).
		var removed []string
		rows, _ := db.Query(`SELECT u.username FROM seat_events e JOIN users u ON u.id = e.user_id WHERE e.event = 'lost' AND e.reason = 'overage' ORDER BY u.username`)
		for rows.Next() {
			var n string
			rows.Scan(&n)
			removed = append(removed, n)
		}
		rows.Close()
		previewed := usernames(preview)
		sort.Strings(previewed)
		if strings.Join(removed, ",") != strings.Join(previewed, ",") {
			t.Fatalf("removed %v, preview said %v", removed, previewed)
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 30 {
			t.Fatalf("%d seats left, want 30", n)
		}
		var details string
		db.QueryRow(`SELECT details FROM audit_events WHERE action = 'seats_unassigned' ORDER BY id LIMIT 1`).Scan(&details)
		if !strings.Contains(details, `"count":20`) || !strings.Contains(details, `"reason":"seat_overage"`) {
			t.Fatalf("the removal's one audit event: %s", details)
		}
		if sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_removed'") != 20 {
			t.Fatal("each removed user is told")
		}
		// ... by a mail of their own in the outbox, saying why (the text is
		// shared by everyone removed for the reason).
		due, err := s.DueEmails(ctx, time.Now().Add(time.Hour), 1000)
		if err != nil {
			t.Fatal(err)
		}
		told := map[string]string{}
		for _, m := range due {
			if m.Kind == "seat_removed" {
				told[m.ToAddress] = m.Subject + "\n" + m.TextBody
			}
		}
		for _, r := range preview {
			if m := told[r.Email]; !strings.Contains(m, "Your GitLab Duo Pro seat was removed") ||
				!strings.Contains(m, "because "+models.ReasonText[models.ReasonSeatOverage]+".") {
				t.Errorf("%s was told %q", r.Email, m)
			}
		}
		// Quantity at or above the assigned count removes nothing.
		q = 40
		if _, err := s.UpdatePurchase(ctx, tester, p.ID, models.PurchaseUpdate{Quantity: &q}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 30 {
			t.Fatalf("raising the quantity removed seats: %d", n)
		}
	})
}

func TestExpiryKeepsAssignmentsTwentyEightDays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		today := models.Today()
		db, _ := s.SQLDB()
		db.Exec("UPDATE instance_settings SET plan = 'ultimate'")
		mk := func(addOn models.AddOn, daysAgo int) *models.AddOnPurchase {
			u := mkUser(t, s, fmt.Sprintf("x%d%s", daysAgo, addOn), models.StateActive, false)
			start := today.AddDays(-400)
			p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: addOn, Quantity: 5,
				StartedAt: &start, ExpiresOn: today.AddDays(10)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AssignSeat(ctx, tester, p.ID, u.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("UPDATE add_on_purchases SET expires_on = $1 WHERE id = $2", today.AddDays(-daysAgo).String(), p.ID); err != nil {
				t.Fatal(err)
			}
			return p
		}
		p27 := mk(models.AddOnDuoPro, 27)
		p29 := mk(models.AddOnDuoEnterprise, 29)
		// 28 days: checked on the same purchase a day later.
		if _, err := s.CleanupExpired(ctx, today); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.AssignedCount(ctx, p27.ID); n != 1 {
			t.Fatal("27 days after expiry the seat must be kept")
		}
		if n, _ := s.AssignedCount(ctx, p29.ID); n != 0 {
			t.Fatal("29 days after expiry the seat must be gone")
		}
		if _, err := s.CleanupExpired(ctx, today.AddDays(1)); err != nil { // p27 is now 28 days expired
			t.Fatal(err)
		}
		if n, _ := s.AssignedCount(ctx, p27.ID); n != 1 {
			t.Fatal("28 days after expiry the seat must still be kept")
		}
		fresh, _ := s.PurchaseByID(ctx, p27.ID)
		if fresh.ActiveOn(today) || !fresh.InGrace(today) {
			t.Fatal("an expired purchase in grace is inactive")
		}
		// Renewed within the grace: the kept seat counts again.
		renewed := today.AddDays(365)
		if _, err := s.UpdatePurchase(ctx, tester, p27.ID, models.PurchaseUpdate{ExpiresOn: &renewed}); err != nil {
			t.Fatal(err)
		}
		fresh, _ = s.PurchaseByID(ctx, p27.ID)
		if n, _ := s.AssignedCount(ctx, p27.ID); n != 1 || !fresh.ActiveOn(today) {
			t.Fatal("renewal must restore the kept seat with no re-assignment")
		}
		if _, err := s.CleanupExpired(ctx, today.AddDays(2)); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.AssignedCount(ctx, p27.ID); n != 1 {
			t.Fatal("a renewed purchase keeps its seats")
		}
	})
}

func TestStateChangesRemoveSeatsAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p, users := smPurchase(t, s, 4)
		if _, err := s.CreateUser(ctx, tester, models.UserInput{Username: "root", Name: "Root", Email: "root@example.com", Admin: true}); err != nil {
			t.Fatal(err)
		}
		for i, st := range []models.UserState{models.StateBlocked, models.StateBanned, models.StateDeactivated} {
			if _, err := s.SetUserState(ctx, tester, users[i].ID, st); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 1 {
			t.Fatalf("%d seats left, want 1", n)
		}
		for _, want := range []string{"user_blocked", "user_banned", "user_deactivated"} {
			if sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'seat_unassigned' AND details LIKE '%\""+want+"\"%'") != 1 {
				t.Errorf("no removal with reason %s", want)
			}
		}
		// A bot holding a seat (e.g. from before) loses it at the next refresh.
		bot := mkUser(t, s, "helper-bot", models.StateActive, true)
		db, _ := s.SQLDB()
		if _, err := db.Exec("INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3)", p.ID, bot.ID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		rs, err := s.RefreshSeats(ctx, p.ID)
		if err != nil || len(rs) != 1 || rs[0].Reason != models.ReasonBot {
			t.Fatalf("refresh removed %+v (%v)", rs, err)
		}
		var to string
		db.QueryRow("SELECT to_address FROM email_outbox WHERE kind = 'seats_removed_summary' ORDER BY id DESC").Scan(&to)
		if to != "root@example.com" {
			t.Fatalf("the summary of automatic removals went to %q, want the administrator", to)
		}
	})
}

func TestGitLabComMembershipRemovalAndTheGuestWhoKeepsItsSeat(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 10)
		// subdev is also a guest of the project; projguest only of the project.
		proj, _ := s.ProjectByFullPath(ctx, "acme/sub/p")
		sub, _ := s.GroupByFullPath(ctx, "acme/sub")
		if _, err := s.AddMember(ctx, tester, models.ProjectSource(proj, sub), w.users["subdev"], models.Guest); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BulkAssignSeats(ctx, tester, w.purchase.ID, w.ids("subdev", "projguest", "owner")); err != nil {
			t.Fatal(err)
		}
		removeMember := func(src models.Source, user string) {
			t.Helper()
			page, err := s.Members(ctx, src, models.Page{Number: 1, PerPage: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page.Items {
				if m.User.Username == user {
					if err := s.RemoveMember(ctx, tester, src, m.ID); err != nil {
						t.Fatal(err)
					}
					return
				}
			}
			t.Fatalf("%s is not a member of %s", user, src.FullPath)
		}
		removeMember(models.GroupSource(sub), "subdev")
		if ok, _ := s.IsEligible(ctx, w.purchase, w.users["subdev"].ID); !ok {
			t.Fatal("subdev is still a project guest")
		}
		if n, _ := s.AssignedCount(ctx, w.purchase.ID); n != 3 {
			t.Fatal("a user who is still a guest somewhere keeps the seat")
		}
		removeMember(models.ProjectSource(proj, sub), "projguest")
		if n, _ := s.AssignedCount(ctx, w.purchase.ID); n != 2 {
			t.Fatal("a user removed from every membership loses the seat")
		}
		if sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'seat_unassigned' AND details LIKE '%membership_removed%'") != 1 {
			t.Fatal("removal reason membership_removed not recorded")
		}
		// Owners of the top-level group get the summary.
		var to string
		db, _ := s.SQLDB()
		db.QueryRow("SELECT to_address FROM email_outbox WHERE kind = 'seats_removed_summary'").Scan(&to)
		if to != "owner@example.com" {
			t.Fatalf("summary went to %q", to)
		}
		// Banned in the top-level group (GitLab.com): removed as user_banned.
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["partner"].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("INSERT INTO namespace_bans (namespace_id, user_id) VALUES ($1, $2)", w.acme.ID, w.users["partner"].ID); err != nil {
			t.Fatal(err)
		}
		rs, err := s.RemoveIneligible(ctx, w.purchase.ID)
		if err != nil || len(rs) != 1 || rs[0].Reason != models.ReasonUserBanned {
			t.Fatalf("ban in the group: %+v %v", rs, err)
		}
	})
}

// A cut of more seats than the owners' summary names: every removed user
// still has a ledger row and a mail, the one audit event counts them all,
// and the summary counts them all, names the first 1,000 in removal order
// and says how many more there are.
func TestOverageCutLongerThanTheSummary(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		db, _ := s.SQLDB()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
		}
		exec("UPDATE instance_settings SET plan = 'premium'")
		if _, err := s.CreateUser(ctx, tester, models.UserInput{Username: "root", Name: "Root", Email: "root@example.com", Admin: true}); err != nil {
			t.Fatal(err)
		}
		const seats, kept = 1005, 2
		start := models.Today().AddDays(-30)
		p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: seats,
			StartedAt: &start, ExpiresOn: models.Today().AddDays(300)})
		if err != nil {
			t.Fatal(err)
		}
		exec(`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1005)
			INSERT INTO users (username, name, email) SELECT 'cut' || n, 'Cut ' || n, 'cut' || n || '@example.com' FROM g`)
		// One assignment time for all: the most recently assigned is the
		// highest assignment id, given here in user order.
		exec(`INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at)
			SELECT $1, id, $2, $2 FROM users WHERE username LIKE 'cut%' ORDER BY id`, p.ID, time.Now().UTC())
		q := kept
		if _, err := s.UpdatePurchase(ctx, tester, p.ID, models.PurchaseUpdate{Quantity: &q}); err != nil {
			t.Fatal(err)
		}
		removed := seats - kept
		if n, _ := s.AssignedCount(ctx, p.ID); n != kept {
			t.Fatalf("%d seats left, want %d", n, kept)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_events WHERE event = 'lost' AND reason = 'overage'"); n != removed {
			t.Errorf("%d ledger rows, want %d", n, removed)
		}
		if n := sqlCount(t, s, "SELECT count(DISTINCT to_address) FROM email_outbox WHERE kind = 'seat_removed'"); n != removed {
			t.Errorf("%d users mailed, want %d", n, removed)
		}
		if n := sqlCount(t, s, `SELECT count(*) FROM audit_events WHERE action = 'seats_unassigned' AND details LIKE '%"count":1003%'`); n != 1 {
			t.Errorf("%d audit events counting the 1,003 seats, want 1", n)
		}
		var subject, body string
		if err := db.QueryRow("SELECT subject, text_body FROM email_outbox WHERE kind = 'seats_removed_summary'").Scan(&subject, &body); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(subject, "1003 ") || !strings.Contains(body, "removed 1003 ") {
			t.Errorf("the summary does not count the 1,003 seats: %q\n%s", subject, body)
		}
		lines := strings.Split(body, "\n")
		var named []string
		for _, l := range lines {
			if strings.HasPrefix(l, "- @") {
				named = append(named, l)
			}
		}
		if len(named) != 1000 || !strings.HasPrefix(named[0], "- @cut1005 (Cut 1005): ") || !strings.HasPrefix(named[999], "- @cut6 (Cut 6): ") {
			t.Errorf("the summary names %d users, from %q to %q; want 1,000 from cut1005 to cut6", len(named), named[0], named[len(named)-1])
		}
		if !strings.Contains(body, "… and 3 more") {
			t.Errorf("the summary does not count the users it does not name:\n%s", body[len(body)-200:])
		}
	})
}
