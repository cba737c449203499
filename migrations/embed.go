// Package migrations holds the append-only goose SQL migrations, one folder
// per dialect because Postgres and SQLite disagree on types and defaults.
package migrations

import "embed"

//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
