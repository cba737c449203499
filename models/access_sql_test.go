package models

import (
	"strconv"
	"strings"
	"testing"

	"duoadmin/models/access"
)

// Every variant of the access-facts statement takes as many parameters as
// loadFacts passes, in both dialects' placeholder forms.
func TestFactsStatementsParameters(t *testing.T) {
	t.Parallel()
	for k, st := range factsStatements {
		if st.sql == "" {
			if k.subject || k.resource != access.ResourceNone {
				t.Errorf("%+v: no statement", k)
			}
			continue
		}
		want := 0
		for _, a := range st.args {
			want++
			if a == argPlans {
				want++
			}
		}
		var got int
		if k.dialect == Postgres {
			for got < 50 && strings.Contains(st.sql, "$"+strconv.Itoa(got+1)) {
				got++
			}
			if strings.Contains(st.sql, "?") {
				t.Errorf("%+v: a ? left in %s", k, st.sql)
			}
		} else {
			got = strings.Count(st.sql, "?")
		}
		if got != want {
			t.Errorf("%+v: %d placeholders, %d arguments: %s", k, got, want, st.sql)
		}
	}
}

func TestFixedSQL(t *testing.T) {
	t.Parallel()
	q := "SELECT a\n\t FROM t WHERE b = ? AND c IN (?, ?)"
	if got := fixedSQL(Postgres, q); got != "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)" {
		t.Errorf("postgres: %q", got)
	}
	if got := fixedSQL(SQLite, q); got != "SELECT a FROM t WHERE b = ? AND c IN (?, ?)" {
		t.Errorf("sqlite: %q", got)
	}
}
