package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The overage order's tie-break is "most recently assigned first" (GitLab:
// highest assignment id first), not "highest user id first". Users are
// created u1..u6 but given their seats in another order, so the two orders
// differ both among the users who never used Code Suggestions and among
// those who used it at the same moment.
func TestOverageTieBreakIsAssignmentOrderNotUserID(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		db, _ := s.SQLDB()
		if _, err := db.Exec("UPDATE instance_settings SET plan = 'premium'"); err != nil {
			t.Fatal(err)
		}
		start := models.Today().AddDays(-30)
		p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 6,
			StartedAt: &start, ExpiresOn: models.Today().AddDays(300)})
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]*models.User{}
		for _, name := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
			users[name] = mkUser(t, s, name, models.StateActive, false)
		}
		// Assignment order: neither user-id order nor its reverse.
		for _, name := range []string{"u2", "u5", "u1", "u6", "u3", "u4"} {
			if _, err := s.AssignSeat(ctx, tester, p.ID, users[name].ID); err != nil {
				t.Fatal(err)
			}
		}
		// u5, u3 and u4 used Code Suggestions at one same moment after the
		// start; u2, u1 and u6 never did.
		used := start.Time.Add(36 * time.Hour)
		for _, name := range []string{"u5", "u3", "u4"} {
			setUsage(t, db, users[name], &used)
		}

		// Never used, most recently assigned first: u6, u1, u2 (by user id
		// it would be u6, u2, u1). Then the tie among the users, most
		// recently assigned first: u4, u3, u5 (by user id u5, u4, u3).
		const want = "u6,u1,u2,u4,u3,u5"
		all, err := s.PreviewQuantityChange(ctx, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(usernames(all), ","); got != want {
			t.Fatalf("removal order %s, want %s (most recently assigned first, not highest user id first)", got, want)
		}
		for i, r := range all {
			if r.Rank != i+1 || r.Reason != models.ReasonSeatOverage {
				t.Errorf("%s: rank %d reason %s, want %d %s", r.Username, r.Rank, r.Reason, i+1, models.ReasonSeatOverage)
			}
		}

		// The removal itself takes the same seats: down to 2 seats removes
		// the first four of the order and keeps u3 and u5.
		q := 2
		if _, err := s.UpdatePurchase(ctx, tester, p.ID, models.PurchaseUpdate{Quantity: &q}); err != nil {
			t.Fatal(err)
		}
		var kept []string
		rows, err := db.Query(`SELECT u.username FROM seat_assignments sa JOIN users u ON u.id = sa.user_id
			WHERE sa.add_on_purchase_id = $1 ORDER BY u.username`, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			kept = append(kept, n)
		}
		rows.Close()
		if got := strings.Join(kept, ","); got != "u3,u5" {
			t.Fatalf("after lowering to 2 seats, %s kept their seats, want u3,u5", got)
		}
	})
}
