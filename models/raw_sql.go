package models

import "context"

// Exec runs one raw statement, in the Store's transaction when it is one
// (Tx). It serves set-based bulk writes that have no domain method: the
// synthetic organisation of models/seed, built with generate_series. The
// application writes through the Store's own methods, which audit and keep
// the seat ledger.
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	return s.q(ctx).Exec(query, args...).Error
}

// QueryRow runs one raw query and scans its one row into dest.
func (s *Store) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return s.q(ctx).Raw(query, args...).Row().Scan(dest...)
}
