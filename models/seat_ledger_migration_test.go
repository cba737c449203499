package models_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"duoadmin/migrations"
	"duoadmin/models"
	"duoadmin/models/storetest"
)

// carrySQL is the statement of migration 00018 that carries the per-seat
// audit events into the ledger.
func carrySQL(t *testing.T, dialect string) string {
	t.Helper()
	b, err := fs.ReadFile(migrations.FS, dialect+"/00018_seat_events.sql")
	if err != nil {
		t.Fatal(err)
	}
	up := strings.Split(string(b), "-- +goose Down")[0]
	i := strings.Index(up, "INSERT INTO seat_events")
	if i < 0 {
		t.Fatal("no carrying INSERT in 00018")
	}
	return up[i:strings.LastIndex(up, ";")]
}

// History starts from the first assignment: the seat audit events written
// before the ledger become its rows, with their reasons, times and actors.
func TestSeatLedgerMigrationCarriesSeatAuditEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		dialect := "sqlite"
		if s.Dialect() == models.Postgres {
			dialect = "postgres"
		}
		ann := mkUser(t, s, "ann", models.StateActive, false)
		db, _ := s.SQLDB()
		at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		event := func(actorID any, actorName, action, details string, when time.Time) {
			t.Helper()
			if _, err := db.Exec(`INSERT INTO audit_events (actor_id, actor_name, action, target_type, target_id, target_name, details, created_at)
				VALUES ($1, $2, $3, 'User', $4, 'ann', $5, $6)`, actorID, actorName, action, ann.ID, details, when); err != nil {
				t.Fatal(err)
			}
		}
		event(ann.ID, "ann", "seat_assigned", `{"add_on_purchase_id":5,"add_on":"duo_pro","reason":"assigned"}`, at)
		event(nil, "GitLab Duo automation", "seat_unassigned", `{"add_on_purchase_id":5,"add_on":"duo_pro","reason":"seat_overage","rank":1}`, at.Add(time.Hour))
		event(nil, "import", "seat_assigned", `{"add_on_purchase_id":5,"add_on":"duo_pro","reason":"imported"}`, at.Add(2*time.Hour))
		event(nil, "duoadmin CLI", "seat_unassigned", `{"add_on_purchase_id":5,"add_on":"duo_pro","reason":"unassigned"}`, at.Add(3*time.Hour))
		event(nil, "GitLab Duo automation", "seat_unassigned", `{"add_on_purchase_id":6,"reason":"user_blocked"}`, at.Add(4*time.Hour))
		event(ann.ID, "ann", "user_updated", `{"add_on_purchase_id":5}`, at.Add(5*time.Hour)) // not a seat event
		if _, err := db.Exec("DELETE FROM seat_events"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(carrySQL(t, dialect)); err != nil {
			t.Fatal(err)
		}
		evs, err := s.UserSeatEvents(ctx, ann.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.CreatedAt.UTC().Format("15")+" "+e.Event+" "+e.Reason+" "+e.ActorName)
		}
		want := []string{"07 lost blocked GitLab Duo automation", "06 lost cli duoadmin CLI", "05 gained import import",
			"04 lost overage GitLab Duo automation", "03 gained manual ann"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("carried ledger\n%v\nwant\n%v", got, want)
		}
		if evs[4].ActorID == nil || *evs[4].ActorID != ann.ID || evs[4].AddOnPurchaseID != 5 || evs[0].AddOnPurchaseID != 6 {
			t.Fatalf("carried rows %+v", evs)
		}
	})
}
