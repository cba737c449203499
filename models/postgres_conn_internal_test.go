package models

import "testing"

func TestIsReadAcceptsOnlyStatementsWithoutEffects(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]bool{
		`SELECT * FROM "users" WHERE id = $1`:            true,
		"\n\tSELECT\n  count(*) FROM members":            true,
		"(SELECT 1) UNION (SELECT 2)":                    true,
		"WITH RECURSIVE t AS (SELECT 1) SELECT * FROM t": true,
		"select 1": true,
		`INSERT INTO "users" ("name") VALUES ($1) RETURNING "id"`:                false,
		`UPDATE users SET name = $1`:                                             false,
		`DELETE FROM seat_assignments WHERE id = $1`:                             false,
		"WITH gone AS (DELETE FROM seat_assignments RETURNING user_id) SELECT 1": false,
		"WITH b AS (INSERT INTO email_bodies (text_body) VALUES ($1)) SELECT 1":  false,
		"SELECT id FROM instance_settings WHERE id = 1 FOR UPDATE":               false,
		"SELECT * INTO copy FROM users":                                          false,
		"SELECTION":                                                              false,
		"":                                                                       false,
		"begin":                                                                  false,
	} {
		if got := isRead(q); got != want {
			t.Errorf("isRead(%q) = %v, want %v", q, got, want)
		}
	}
}
