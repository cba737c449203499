package models_test

import (
	"context"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// seatBenchWorld is n eligible users (user1…userN, names in random order,
// activity dates with gaps) and a Duo Pro purchase of n seats: on
// self-managed the instance's; on GitLab.com acme's, whose members they
// all are.
func seatBenchWorld(b *testing.B, s *models.Store, d models.Deployment, n int) (*models.AddOnPurchase, []int64) {
	b.Helper()
	ctx := context.Background()
	db, err := s.SQLDB()
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := db.Exec(q, args...); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	exec(`INSERT INTO users (username, name, email, public_email, last_activity_on, last_duo_activity_on)
		SELECT 'user' || gs, 'User ' || substr(md5(gs::text), 1, 8), 'user' || gs || '@example.com', gs % 4 = 0,
			CASE WHEN gs % 10 = 0 THEN NULL ELSE CURRENT_DATE - (gs % 365) END,
			CASE WHEN gs % 3 = 0 THEN NULL ELSE CURRENT_DATE - (gs % 97) END
		FROM generate_series(1, $1::int) gs`, n)
	in := models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: n, ExpiresOn: models.Today().AddDays(300)}
	if d == models.GitLabCom {
		acme, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
		if err != nil {
			b.Fatal(err)
		}
		sub, err := s.CreateGroup(ctx, tester, acme, models.GroupInput{Path: "sub", Name: "Sub"})
		if err != nil {
			b.Fatal(err)
		}
		// Most in the group, a tenth in a subgroup, as real hierarchies are.
		exec(`INSERT INTO members (user_id, source_type, source_id, access_level)
			SELECT id, 'Namespace', CASE WHEN id % 10 = 0 THEN $2::bigint ELSE $1::bigint END, CASE WHEN id % 7 = 0 THEN 10 ELSE 30 END
			FROM users WHERE username LIKE 'user%'`, acme.ID, sub.ID)
		in.NamespaceID = &acme.ID
	} else if err := s.SetInstancePlan(ctx, tester, models.PlanUltimate); err != nil {
		b.Fatal(err)
	}
	p, err := s.CreatePurchase(ctx, tester, d, in)
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	rows, err := db.Query(`SELECT id FROM users WHERE username LIKE 'user%' ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) != n {
		b.Fatalf("%d users, want %d", len(ids), n)
	}
	exec(`ANALYZE`)
	return p, ids
}

// BenchmarkBulkAssign10k: one BulkAssignSeats of 10,000 eligible users, then
// one BulkUnassignSeats of them, alternating (each is one op). The issue's
// target: well under 1 s.
func BenchmarkBulkAssign10k(b *testing.B) {
	for _, d := range []models.Deployment{models.SelfManaged, models.GitLabCom} {
		b.Run(string(d), func(b *testing.B) {
			s := storetest.PostgresOnly(b)
			p, ids := seatBenchWorld(b, s, d, 10000)
			ctx := context.Background()
			i := 0
			var spent [2]time.Duration
			var ops [2]int
			for b.Loop() {
				var ch models.SeatChange
				var err error
				started := time.Now()
				if i%2 == 0 {
					ch, err = s.BulkAssignSeats(ctx, tester, p.ID, ids)
				} else {
					ch, err = s.BulkUnassignSeats(ctx, tester, p.ID, ids)
				}
				spent[i%2] += time.Since(started)
				ops[i%2]++
				if err != nil {
					b.Fatal(err)
				}
				if len(ch.Changed) != len(ids) {
					b.Fatalf("op %d changed %d seats, want %d", i, len(ch.Changed), len(ids))
				}
				i++
			}
			for k, unit := range []string{"ms/assign", "ms/unassign"} {
				if ops[k] > 0 {
					b.ReportMetric(float64(spent[k].Microseconds())/float64(ops[k])/1000, unit)
				}
			}
		})
	}
}

// BenchmarkSeatTable100k: one page of the seat table (count and rows) for
// 100,000 eligible users, 10,000 of them assigned, for each filter and
// sort. The target: well under 100 ms.
func BenchmarkSeatTable100k(b *testing.B) {
	yes, no := true, false
	variants := []struct {
		name string
		f    models.SeatFilter
		page int
	}{
		{"default", models.SeatFilter{}, 1},
		{"assigned_true", models.SeatFilter{Assigned: &yes}, 1},
		{"assigned_false", models.SeatFilter{Assigned: &no}, 1},
		{"search_narrow", models.SeatFilter{Search: "user4242"}, 1},
		{"search_broad", models.SeatFilter{Search: "user"}, 1},
		{"last_page", models.SeatFilter{}, 5000},
	}
	for _, sort := range []string{"id_asc", "name_asc", "name_desc", "last_activity_on_asc", "last_activity_on_desc",
		"last_duo_activity_on_asc", "last_duo_activity_on_desc"} {
		variants = append(variants, struct {
			name string
			f    models.SeatFilter
			page int
		}{"sort_" + sort, models.SeatFilter{Sort: sort}, 1})
	}
	for _, d := range []models.Deployment{models.SelfManaged, models.GitLabCom} {
		b.Run(string(d), func(b *testing.B) {
			s := storetest.PostgresOnly(b)
			p, ids := seatBenchWorld(b, s, d, 100000)
			ctx := context.Background()
			assigned := make([]int64, 0, 10000)
			for i := 0; i < len(ids); i += 10 {
				assigned = append(assigned, ids[i])
			}
			if _, err := s.BulkAssignSeats(ctx, tester, p.ID, assigned); err != nil {
				b.Fatal(err)
			}
			seatBenchAnalyze(b, s)
			for _, v := range variants {
				b.Run(v.name, func(b *testing.B) {
					for b.Loop() {
						page, err := s.SeatTable(ctx, p, v.f, models.Page{Number: v.page, PerPage: 20})
						if err != nil {
							b.Fatal(err)
						}
						if len(page.Items) == 0 || page.Total == 0 {
							b.Fatalf("%s: empty page (total %d)", v.name, page.Total)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
				})
			}
		})
	}
}

func seatBenchAnalyze(b *testing.B, s *models.Store) {
	b.Helper()
	db, err := s.SQLDB()
	if err != nil {
		b.Fatal(err)
	}
	// As autovacuum would on a live database: statistics, and the
	// visibility map that lets the counts read indexes only.
	if _, err := db.Exec(`VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
}
