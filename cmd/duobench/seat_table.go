package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	benchfiles "duoadmin/bench"
	"duoadmin/models"
)

// psqlVar is a psql variable as the floor files use them: :root,
// :purchase, :'pattern' (not a :: cast).
var psqlVar = regexp.MustCompile(`(^|[^:]):('?)([a-z_]+)('?)`)

// positional turns a floor file into a statement for database/sql: its
// comment lines dropped and each psql variable replaced by $1, $2, … in the
// order they first appear; names is that order.
func positional(file string) (query string, names []string) {
	var lines []string
	for _, l := range strings.Split(file, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	num := map[string]int{}
	query = psqlVar.ReplaceAllStringFunc(strings.TrimSpace(strings.Join(lines, "\n")), func(m string) string {
		sub := psqlVar.FindStringSubmatch(m)
		name := sub[3]
		if _, ok := num[name]; !ok {
			names = append(names, name)
			num[name] = len(names)
		}
		return sub[1] + fmt.Sprintf("$%d", num[name])
	})
	return strings.TrimSuffix(query, ";"), names
}

// floorStatement is one embedded floor file with its arguments.
func floorStatement(name string, vars map[string]any) (string, []any, error) {
	data, err := benchfiles.Floors.ReadFile("floors/" + name)
	if err != nil {
		return "", nil, err
	}
	q, names := positional(string(data))
	args := make([]any, len(names))
	for i, n := range names {
		v, ok := vars[n]
		if !ok {
			return "", nil, fmt.Errorf("bench/floors/%s: no value for :%s", name, n)
		}
		args[i] = v
	}
	return q, args, nil
}

// seatTable: the seat page's query work (Store.SeatTable: count, page,
// roles) over the group's eligible members, against the floor a database
// engineer would write for the same page (bench/floors: a count and one
// page with the filter and sort, on the same indexes). Product and floor
// runs alternate.
func (b *bench) seatTable(ctx context.Context) ([]Result, error) {
	yes := true
	variants := []struct {
		name        string
		f           models.SeatFilter
		count, page string
	}{
		{"default", models.SeatFilter{}, "count_all.sql", "page_id.sql"},
		{"assigned", models.SeatFilter{Assigned: &yes}, "count_assigned.sql", "page_assigned.sql"},
		{"search", models.SeatFilter{Search: "smith"}, "count_search.sql", "page_search.sql"},
		{"sort_name", models.SeatFilter{Sort: "name_asc"}, "count_all.sql", "page_name.sql"},
		{"sort_last_activity", models.SeatFilter{Sort: "last_activity_on_desc"}, "count_all.sql", "page_last_activity.sql"},
		{"sort_last_duo_activity", models.SeatFilter{Sort: "last_duo_activity_on_desc"}, "count_all.sql", "page_last_duo_activity.sql"},
	}
	vars := map[string]any{"root": b.syn.Root.ID, "purchase": b.syn.Purchase.ID, "pattern": "%smith%"}
	page := models.Page{Number: 1, PerPage: 20}
	var out []Result
	for _, v := range variants {
		var total, floorTotal int64
		run := func() error {
			res, err := b.store.SeatTable(ctx, b.syn.Purchase, v.f, page)
			total = res.Total
			if err == nil && len(res.Items) == 0 {
				err = fmt.Errorf("seat_table %s: empty page", v.name)
			}
			return err
		}
		countQ, countArgs, err := floorStatement(v.count, vars)
		if err != nil {
			return nil, err
		}
		pageQ, pageArgs, err := floorStatement(v.page, vars)
		if err != nil {
			return nil, err
		}
		floor := func() error {
			if err := b.db.QueryRowContext(ctx, countQ, countArgs...).Scan(&floorTotal); err != nil {
				return err
			}
			rows, err := b.db.QueryContext(ctx, pageQ, pageArgs...)
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
			}
			if err == nil && n == 0 {
				return fmt.Errorf("empty page")
			}
			return rows.Err()
		}
		// Warm both, and check they agree on what the page counts.
		if err := run(); err != nil {
			return nil, err
		}
		if err := floor(); err != nil {
			return nil, fmt.Errorf("seat_table %s floor (bench/floors/%s, %s): %w", v.name, v.count, v.page, err)
		}
		if total != floorTotal {
			return nil, fmt.Errorf("seat_table %s: the product counts %d, the floor %d", v.name, total, floorTotal)
		}
		got, base, err := alternate(b.cfg.pageRuns, nil, run, floor)
		if err != nil {
			return nil, err
		}
		out = append(out, ratioResult("seat_table/"+v.name, fmt.Sprintf("%d matching of %d users, page of 20", total, b.size.Users), got, base))
	}
	return out, nil
}

// alternate runs product and floor n times each, taking turns (setup,
// untimed, before every run of either), and returns both sides' sorted
// durations.
func alternate(n int, setup, product, floor func() error) (got, base []time.Duration, err error) {
	for i := range n {
		// Who goes first alternates too.
		for k := range 2 {
			fn, out := product, &got
			if (i+k)%2 == 1 {
				fn, out = floor, &base
			}
			d, err := timed(1, setup, fn)
			if err != nil {
				return nil, nil, err
			}
			*out = append(*out, d...)
		}
	}
	return sorted(got), sorted(base), nil
}
