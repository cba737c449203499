package seed_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/seed"
	"duoadmin/models/storetest"
)

func TestSeedSyntheticRefusesSQLite(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	if _, err := seed.BuildSynthetic(context.Background(), s, seed.DefaultSyntheticSize); !errors.Is(err, seed.ErrSyntheticPostgres) {
		t.Fatalf("err = %v, want ErrSyntheticPostgres", err)
	}
}

func TestSeedSyntheticSmall(t *testing.T) {
	t.Parallel()
	s := storetest.PostgresOnly(t)
	ctx := context.Background()
	z := seed.SyntheticSize{Users: 500, Groups: 120, Projects: 300, Seats: 200, Assigned: 150}
	y, err := seed.BuildSynthetic(ctx, s, z)
	if err == nil {
		evs, _ := s.RecentAuditEvents(ctx, 5)
		if len(evs) == 0 || evs[0].Action != "organisation_imported" || evs[0].ActorName != "seed-synthetic" {
			t.Fatalf("the seed must be one audited load, got %+v", evs)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if y.Users != 500 || y.Groups != 120 || y.Projects != 300 || y.Assigned != 150 || y.Purchase.Quantity != 200 {
		t.Fatalf("seeded %+v", y)
	}
	if y.Purchase.NamespaceID == nil || *y.Purchase.NamespaceID != y.Root.ID || y.Root.Plan != models.PlanUltimate {
		t.Fatalf("purchase %+v should belong to the Ultimate top-level group %d", y.Purchase, y.Root.ID)
	}
	db, _ := s.SQLDB()
	var orphans, maxDepth, withoutActivity, withoutDuo, pending int
	if err := db.QueryRow(`SELECT count(*) FROM users u WHERE u.username LIKE 'synthetic-user-%'
		AND NOT EXISTS (SELECT 1 FROM members m WHERE m.user_id = u.id)`).Scan(&orphans); err != nil || orphans != 0 {
		t.Fatalf("%d users without a membership (%v)", orphans, err)
	}
	if err := db.QueryRow(`SELECT max(length(traversal_path) - length(replace(traversal_path, '/', ''))) FROM namespaces`).Scan(&maxDepth); err != nil || maxDepth != 6 {
		t.Fatalf("deepest group at depth %d (%v), want 6", maxDepth, err)
	}
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE last_activity_on IS NULL), count(*) FILTER (WHERE last_duo_activity_on IS NULL)
		FROM users WHERE username LIKE 'synthetic-user-%' AND (last_activity_on IS NULL OR last_activity_on >= current_date - 90)`).
		Scan(&withoutActivity, &withoutDuo); err != nil || withoutActivity != 50 || withoutDuo != 125 {
		t.Fatalf("%d never active (want 50), %d never used Duo (want 125) (%v)", withoutActivity, withoutDuo, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM namespaces WHERE traversal_path LIKE '%*'`).Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("%d groups with an unfinished traversal path (%v)", pending, err)
	}
	// The seat table sees every member as eligible.
	page, err := s.SeatTable(ctx, y.Purchase, models.SeatFilter{}, models.Page{Number: 1, PerPage: 20})
	if err != nil || page.Total != 501 {
		t.Fatalf("seat table total %d (%v), want 500 users and the owner", page.Total, err)
	}
	checkSyntheticUsage(t, s, y)
	if _, err := seed.BuildSynthetic(ctx, s, z); !errors.Is(err, seed.ErrSyntheticExists) {
		t.Fatalf("second seed: %v, want ErrSyntheticExists", err)
	}
	// Every seat gained is a ledger row (issue #17), the seed's too.
	ledger := func(event string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM seat_events WHERE add_on_purchase_id = $1 AND event = $2
			AND reason = 'import' AND actor_name = 'seed-synthetic'`, y.Purchase.ID, event).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if g, l := ledger(models.SeatGained), ledger(models.SeatLost); g != 150 || l != 0 {
		t.Fatalf("after the seed: %d gained, %d lost ledger rows, want 150 and 0", g, l)
	}
	if err := seed.ResetSyntheticSeats(ctx, s, y.Purchase.ID, 300, 20); err != nil {
		t.Fatal(err)
	}
	if g, l := ledger(models.SeatGained), ledger(models.SeatLost); g != 170 || l != 150 {
		t.Fatalf("after a reset: %d gained, %d lost ledger rows, want 150+20 and 150", g, l)
	}
	y2, err := seed.LoadSynthetic(ctx, s)
	if err != nil || y2.Assigned != 20 || y2.Purchase.Quantity != 300 {
		t.Fatalf("after reset %+v (%v)", y2, err)
	}
}

// The seeded use agrees with itself: every user's GitLab Duo dates are
// those of their newest events, the purchase has a snapshot for each of
// the last 90 days, today's is what the usage_snapshot job writes, and
// the features split about 6:3:1.
func checkSyntheticUsage(t *testing.T, s *models.Store, y *seed.Synthetic) {
	t.Helper()
	ctx := context.Background()
	db, _ := s.SQLDB()
	var mismatched int
	if err := db.QueryRow(`SELECT count(*) FROM users u
		LEFT JOIN (SELECT user_id, CAST(max(occurred_at) AT TIME ZONE 'UTC' AS date) AS day,
			max(occurred_at) FILTER (WHERE feature = 'code_suggestions') AS cs FROM duo_usage_events GROUP BY user_id) x ON x.user_id = u.id
		WHERE u.username LIKE 'synthetic-user-%'
			AND (u.last_duo_activity_on IS DISTINCT FROM x.day OR u.last_code_suggestions_usage_at IS DISTINCT FROM x.cs)`).Scan(&mismatched); err != nil || mismatched != 0 {
		t.Fatalf("%d users whose dates are not their newest events' (%v)", mismatched, err)
	}
	today := models.Today()
	days, err := s.UsageDays(ctx, y.Purchase.ID, today.AddDays(-89), today)
	if err != nil || len(days) != 90 {
		t.Fatalf("%d snapshot days (%v), want 90", len(days), err)
	}
	var cs, chat, other int64
	for _, d := range days {
		if d.Purchased != 200 || d.Assigned > 150 || d.Active > d.Assigned {
			t.Fatalf("snapshot %+v", d)
		}
		cs, chat, other = cs+d.CodeSuggestionsUses, chat+d.ChatUses, other+d.OtherUses
	}
	if total := cs + chat + other; total == 0 || cs*100/total < 45 || cs*100/total > 65 || chat*100/total < 25 || other*100/total < 5 {
		t.Errorf("uses: %d Code Suggestions, %d Chat, %d others", cs, chat, other)
	}
	if days[0].Assigned >= days[89].Assigned || days[89].Assigned != 150 {
		t.Errorf("assigned %d 89 days ago, %d today: seats were given over time", days[0].Assigned, days[89].Assigned)
	}
	seeded := days[89]
	if _, err := s.SnapshotUsage(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	again, _ := s.UsageDays(ctx, y.Purchase.ID, today, today)
	if len(again) != 1 || again[0] != seeded {
		t.Errorf("today seeded %+v, the job writes %+v", seeded, again)
	}
}
