package models

import (
	"encoding/json"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// idSet turns a list of ids into a one-column subquery ("id"), passed as a
// single parameter: a bulk action on 100,000 users would exceed both
// engines' limits on bound parameters if each id were one. On Postgres it
// is an array, whose unnest the planner counts (a JSON array is guessed at
// 100 rows whatever its length, which led 10,000-user changes to 10,000
// index probes where one hashed scan does); on SQLite a JSON array.
func (s *Store) idSet(ids []int64) (string, string) {
	if s.dialect == Postgres {
		var b strings.Builder
		b.WriteByte('{')
		for i, id := range ids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
		b.WriteByte('}')
		return "SELECT unnest(CAST(? AS bigint[])) AS id", b.String()
	}
	if ids == nil {
		ids = []int64{}
	}
	b, _ := json.Marshal(ids)
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

// whereIDIn is q.Where(column IN ids) through idIn.
func (s *Store) whereIDIn(q *gorm.DB, column string, ids []int64) *gorm.DB {
	cond, arg := s.idIn(column, ids)
	return q.Where(cond, arg)
}

// idIn is the condition "column is one of ids" with its one parameter: on
// Postgres column = ANY(array), which the planner can answer with one
// hashed pass over the rows (as the bench floors' raw statements do)
// instead of a probe per id; elsewhere IN (idSet).
func (s *Store) idIn(column string, ids []int64) (string, string) {
	sub, arg := s.idSet(ids)
	if s.dialect == Postgres {
		return column + " = ANY(CAST(? AS bigint[]))", arg
	}
	return column + " IN (" + sub + ")", arg
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
	if s.dialect == Postgres {
		return "SELECT unnest(CAST(? AS text[])) AS value", pgTextArray(lower)
	}
	b, _ := json.Marshal(lower)
	return "SELECT value FROM json_each(?)", string(b)
}

// pgTextArray is a Postgres array literal of the values, each quoted (a
// backslash escapes quotes and backslashes), so commas, braces, spaces and
// NULL spelled out stay text.
func pgTextArray(values []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range v {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
