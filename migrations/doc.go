// Package migrations holds the append-only goose SQL migrations, one folder
// per dialect because Postgres and SQLite disagree on types and defaults.
// The two folders are one history: models/migrations_parity_test.go fails
// when they hold different versions, or when migrating them gives
// different tables, columns or indexes, or a trigger or function that is
// not listed there as Postgres-only. A step that one dialect does not need
// is a `SELECT 1;` migration there, with a comment saying why.
package migrations
