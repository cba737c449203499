package models

import (
	"encoding/json"
	"strings"

	"gorm.io/gorm"
)

// idSet turns a list of ids into a one-column subquery ("id"), passed as a
// single JSON parameter: a bulk action on 100,000 users would exceed both
// engines' limits on bound parameters if each id were one.
func (s *Store) idSet(ids []int64) (string, string) {
	if ids == nil {
		ids = []int64{}
	}
	b, _ := json.Marshal(ids)
	if s.dialect == Postgres {
		return "SELECT CAST(value AS bigint) AS id FROM json_array_elements_text(CAST(? AS json)) AS value", string(b)
	}
	return "SELECT CAST(value AS INTEGER) AS id FROM json_each(?)", string(b)
}

// UniqueIDs is ids without repeats, in first-seen order.
func UniqueIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// whereIDIn is q.Where(column IN ids) through idSet.
func (s *Store) whereIDIn(q *gorm.DB, column string, ids []int64) *gorm.DB {
	sub, arg := s.idSet(ids)
	return q.Where(column+" IN ("+sub+")", arg)
}

// removalSet is the removals as a subquery with columns user_id, rank,
// reason and ord (the position in rs, so events keep the removal order),
// from one JSON parameter (see idSet).
func (s *Store) removalSet(rs []Removal) (string, string) {
	type item struct {
		U int64  `json:"u"`
		R int    `json:"r"`
		W string `json:"w"`
		I int    `json:"i"`
	}
	items := make([]item, len(rs))
	for i, r := range rs {
		items[i] = item{r.UserID, r.Rank, r.Reason, i}
	}
	b, _ := json.Marshal(items)
	if s.dialect == Postgres {
		return `SELECT CAST(x->>'u' AS bigint) AS user_id, CAST(x->>'r' AS integer) AS rank, x->>'w' AS reason,
			CAST(x->>'i' AS integer) AS ord FROM json_array_elements(CAST(? AS json)) AS x`, string(b)
	}
	return `SELECT CAST(json_extract(value, '$.u') AS INTEGER) AS user_id, CAST(json_extract(value, '$.r') AS INTEGER) AS rank,
		json_extract(value, '$.w') AS reason, CAST(json_extract(value, '$.i') AS INTEGER) AS ord FROM json_each(?)`, string(b)
}

// lowerTextSet is idSet for names and paths: a one-column subquery
// ("value") of the lower-cased values, for case-insensitive lookups.
func (s *Store) lowerTextSet(values []string) (string, string) {
	lower := make([]string, len(values))
	for i, v := range values {
		lower[i] = strings.ToLower(v)
	}
	b, _ := json.Marshal(lower)
	if s.dialect == Postgres {
		return "SELECT value FROM json_array_elements_text(CAST(? AS json)) AS value", string(b)
	}
	return "SELECT value FROM json_each(?)", string(b)
}
