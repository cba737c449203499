package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// BenchmarkReconcileOverage100k: 100,000 seats assigned, quantity cut to
// 60,000 — 40,000 removed with their audit events and mail, in one
// transaction. The target: well under 2 s on Postgres.
func BenchmarkReconcileOverage100k(b *testing.B) {
	s := storetest.PostgresOnly(b)
	ctx := context.Background()
	db, _ := s.SQLDB()
	exec := func(q string, args ...any) {
		if _, err := db.Exec(q, args...); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	exec("UPDATE instance_settings SET plan = 'premium'")
	exec(`INSERT INTO users (username, name, email, last_code_suggestions_usage_at)
		SELECT 'user' || g, 'User ' || g, 'user' || g || '@example.com',
			CASE WHEN g % 3 = 0 THEN now() - (g % 50) * interval '1 hour' END
		FROM generate_series(1, 100000) g`)
	start := models.Today().AddDays(-30)
	p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: 100000, StartedAt: &start, ExpiresOn: models.Today().AddDays(300)})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		exec("DELETE FROM seat_assignments")
		exec(`INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at)
			SELECT $1, id, now() - id * interval '1 second', now() FROM users`, p.ID)
		exec("UPDATE add_on_purchases SET quantity = 60000 WHERE id = $1", p.ID)
		exec("ANALYZE seat_assignments")
		b.StartTimer()
		rs, err := s.ReconcileOverage(ctx, p.ID)
		if err != nil {
			b.Fatal(err)
		}
		if len(rs) != 40000 {
			b.Fatalf("removed %d, want 40000", len(rs))
		}
	}
}
