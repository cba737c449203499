package models

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// fixedSQL readies a constant statement of the access hot path for
// rawRows: on one line, its ? placeholders in the dialect's form ($1, $2…
// on Postgres). The text must have no ? other than placeholders.
func fixedSQL(d Dialect, query string) string {
	query = strings.Join(strings.Fields(query), " ")
	if d != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(query, "?") {
		if strings.HasSuffix(part, "?") {
			n++
			part = part[:len(part)-1] + "$" + strconv.Itoa(n)
		}
		b.WriteString(part)
	}
	return b.String()
}

// rawRows runs a statement made by fixedSQL through gorm, so statement
// hooks (OnStatement) see it as any other, but without gorm's Raw, which
// copies the text byte by byte on every call, looking for placeholders.
func (s *Store) rawRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	tx := s.q(ctx).Raw("")
	tx.Statement.SQL.WriteString(query)
	tx.Statement.Vars = args
	return tx.Rows()
}
