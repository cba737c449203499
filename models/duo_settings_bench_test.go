package models_test

import (
	"context"
	"database/sql"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// buildWideTree makes a top-level group with levels of 10, 100, 1,000 and
// 8,889 subgroups (10,000 groups in all, five deep) and 10 projects in each.
func buildWideTree(b *testing.B, s *models.Store) *models.Group {
	b.Helper()
	ctx := context.Background()
	root, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "big", Name: "Big", Plan: models.PlanUltimate})
	if err != nil {
		b.Fatal(err)
	}
	db, err := s.SQLDB()
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := db.Exec(q, args...); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	remaining := 9999
	for depth, width := 1, 10; remaining > 0; depth, width = depth+1, width*10 {
		if width > remaining {
			width = remaining
		}
		// Children spread over the previous level, numbered 1..width.
		exec(`WITH parents AS (
				SELECT id, full_path, traversal_path, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS total
				FROM namespaces WHERE traversal_path LIKE $1 AND length(traversal_path) - length(replace(traversal_path, '/', '')) = $2)
			INSERT INTO namespaces (parent_id, path, full_path, name, plan, traversal_path)
			SELECT p.id, 'g' || gs, p.full_path || '/g' || gs, 'G' || gs, '', p.traversal_path || '*'
			FROM generate_series(1, $3::int) gs JOIN parents p ON p.n = (gs - 1) % p.total`,
			root.TraversalPath+"%", depth, width)
		// New rows carry their parent's path and a '*' until their id is known.
		exec(`UPDATE namespaces SET traversal_path = replace(traversal_path, '*', id || '/') WHERE traversal_path LIKE '%*'`)
		remaining -= width
	}
	exec(`INSERT INTO projects (namespace_id, path, full_path, name)
		SELECT n.id, 'p' || gs, n.full_path || '/p' || gs, 'P' || gs
		FROM namespaces n CROSS JOIN generate_series(1, 10) gs WHERE n.traversal_path LIKE $1`, root.TraversalPath+"%")
	exec(`ANALYZE`)
	assertCount(b, db, "SELECT count(*) FROM namespaces WHERE traversal_path LIKE '"+root.TraversalPath+"%'", 10000)
	assertCount(b, db, "SELECT count(*) FROM projects", 100000)
	return root
}

func assertCount(b *testing.B, db *sql.DB, q string, want int) {
	b.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil || n != want {
		b.Fatalf("%s = %d (%v), want %d", q, n, err, want)
	}
}

// BenchmarkCascadeNeverOn: "Always off" on a group with 10,000 subgroups
// and 100,000 projects, alternating with "On by default" so every run
// rewrites the whole subtree. The target: well under 2 s.
func BenchmarkCascadeNeverOn(b *testing.B) {
	s := storetest.PostgresOnly(b)
	root := buildWideTree(b, s)
	ctx := context.Background()
	options := []models.Availability{models.NeverOn, models.DefaultOn}
	i := 0
	for b.Loop() {
		impact, err := s.SetGroupDuoAvailability(ctx, tester, root, options[i%2])
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 && impact.Projects != 100000 {
			b.Fatalf("reset %d projects, want 100000", impact.Projects)
		}
		i++
	}
}
