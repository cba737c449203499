package models

import "gorm.io/gorm"

// OnStatement calls fn after every SQL statement the Store runs, with its
// text: tests and benchmarks count the queries of a request with it.
func (s *Store) OnStatement(fn func(sql string)) {
	after := func(db *gorm.DB) { fn(db.Statement.SQL.String()) }
	cb := s.db.Callback()
	_ = cb.Query().After("*").Register("duoadmin:statements", after)
	_ = cb.Create().After("*").Register("duoadmin:statements", after)
	_ = cb.Update().After("*").Register("duoadmin:statements", after)
	_ = cb.Delete().After("*").Register("duoadmin:statements", after)
	_ = cb.Row().After("*").Register("duoadmin:statements", after)
	_ = cb.Raw().After("*").Register("duoadmin:statements", after)
}
