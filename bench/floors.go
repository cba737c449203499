// Package bench holds the benchmarks' hand-written floors (floors/*.sql),
// embedded so cmd/duobench runs the very files a reader runs in psql.
package bench

import "embed"

// Floors is floors/*.sql.
//
//go:embed floors/*.sql
var Floors embed.FS
