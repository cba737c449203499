package models

import (
	"context"

	"gorm.io/gorm"
)

// SeatTableSQL is the seat table's COUNT and page query as the database
// receives them (parameters inlined), so a benchmark can time them raw.
func (s *Store) SeatTableSQL(ctx context.Context, p *AddOnPurchase, f SeatFilter, page Page) (count, list string) {
	page = page.normalized()
	dry := &Store{db: s.db.Session(&gorm.Session{DryRun: true}), dialect: s.dialect, opts: s.opts}
	inline := func(q *gorm.DB) string {
		return s.db.Dialector.Explain(q.Statement.SQL.String(), q.Statement.Vars...)
	}
	sc, err := s.seatScopeOf(ctx, p)
	if err != nil {
		return "", ""
	}
	var n int64
	count = inline(dry.seatQuery(ctx, p, sc, f).Count(&n))
	var rows []SeatRow
	list = inline(dry.seatQuery(ctx, p, sc, f).Select("u.*, sa.created_at AS assigned_at").Order(seatOrder(f.Sort)).
		Offset(page.Offset()).Limit(page.PerPage).Scan(&rows))
	return count, list
}
