// Package usage is a purchase's Usage tab: five charts drawn on the
// server (views/charts), each with its numbers in a table and as CSV. The
// Admin area (self-managed) and a top-level group's usage quotas
// (GitLab.com) share it.
package usage

import (
	"net/url"

	"duoadmin/views/components"
)

// Chart is one chart: its SVG and the same numbers as a table.
type Chart struct {
	ID      string
	Title   string
	SVG     string
	Columns []string
	Rows    [][]string
	CSVHref string
	Note    string // what the chart counts, under the title
}

// GroupRow is one row of the per-group table.
type GroupRow struct {
	Name, FullPath         string
	Assigned, Active, Idle int64
	Bar                    string // SVG: active then idle
}

// Groups is the fifth chart: a sortable table with a bar per row.
type Groups struct {
	Title    string
	Heading  string // "Group" or "Subgroup"
	Rows     []GroupRow
	Sort     string
	SortHref func(string) string
	CSVHref  string
	Pager    components.Pager
}

type Props struct {
	Tabs       []components.Tab
	AddOnTitle string
	From, To   string
	Charts     []Chart
	Groups     Groups
	APIHref    string
}

// SortHref keeps the other parameters.
func SortHref(base string, q url.Values, sort string) string {
	v := url.Values{}
	for k, vals := range q {
		v[k] = vals
	}
	v.Set("sort", sort)
	v.Del("page")
	return base + "?" + v.Encode()
}

// GroupTitle names the table's rows by deployment.
func GroupTitle(com bool) (string, string) {
	if com {
		return "Seats by subgroup", "Subgroup"
	}
	return "Seats by group", "Group"
}
