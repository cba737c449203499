package usage

import (
	"fmt"
	"strconv"

	"duoadmin/models"
	"duoadmin/views/charts"
)

// Input is what the Usage tab is made of.
type Input struct {
	From, To models.Date
	Days     []models.UsageDay // snapshot rows in [From, To]; missing days are gaps
	Activity models.SeatActivity
	CSVHref  func(chart string) string
}

// Chart ids, also the CSV's ?chart= values.
const (
	ChartSeats    = "seats"
	ChartActive   = "active"
	ChartFeatures = "features"
	ChartIdle     = "idle"
	ChartGroups   = "groups"
)

// ChartIDs lists the charts a CSV can be asked for (the per-group table
// is exported by the handler, page by page).
var ChartIDs = []string{ChartSeats, ChartActive, ChartFeatures, ChartIdle, ChartGroups}

const noData = "—"

// Build makes the four charts of the snapshot and live figures, in order.
func Build(in Input) []Chart {
	byDay := map[models.Date]models.UsageDay{}
	for _, d := range in.Days {
		byDay[d.Day] = d
	}
	var labels []string
	var days []models.Date
	for d := in.From; !in.To.Before(d); d = d.AddDays(1) {
		days = append(days, d)
		labels = append(labels, d.String())
	}
	return []Chart{seatsChart(in, days, labels, byDay), activeChart(in), featuresChart(in, days, labels, byDay), idleChart(in)}
}

// daily makes a line chart and its table from one value per snapshot row.
func daily(id, title, unit, note string, in Input, days []models.Date, labels []string, byDay map[models.Date]models.UsageDay,
	names []string, pick func(models.UsageDay) []int64) Chart {
	series := make([]charts.Series, len(names))
	for i, n := range names {
		series[i] = charts.Series{Name: n, Values: make([]*float64, len(days))}
	}
	rows := make([][]string, len(days))
	with := 0
	var last []int64
	for di, d := range days {
		row := []string{d.String()}
		u, ok := byDay[d]
		if ok {
			with++
			last = pick(u)
		}
		for i := range names {
			if !ok {
				row = append(row, noData)
				continue
			}
			v := pick(u)[i]
			series[i].Values[di] = charts.Num(v)
			row = append(row, strconv.FormatInt(v, 10))
		}
		rows[di] = row
	}
	desc := fmt.Sprintf("Line chart of %s per day from %s to %s; %d of %d days have data.", unit, in.From, in.To, with, len(days))
	if last != nil {
		desc += " Latest day with data:"
		for i, n := range names {
			desc += fmt.Sprintf(" %s %d", n, last[i])
			if i < len(names)-1 {
				desc += ","
			}
		}
		desc += "."
	}
	svg := charts.Line{ID: id, Title: title, Desc: desc, XLabel: "Day (UTC)", YLabel: unit, Labels: labels, Series: series}.SVG()
	return Chart{ID: id, Title: title, SVG: svg, Columns: append([]string{"Date"}, names...), Rows: rows,
		CSVHref: in.CSVHref(id), Note: note}
}

func seatsChart(in Input, days []models.Date, labels []string, byDay map[models.Date]models.UsageDay) Chart {
	return daily(ChartSeats, "Seats purchased, assigned and active per day", "Seats",
		"Active: the seat holder used GitLab Duo that day. Days before the daily snapshot started show no data.",
		in, days, labels, byDay, []string{"Purchased", "Assigned", "Active"},
		func(u models.UsageDay) []int64 { return []int64{u.Purchased, u.Assigned, u.Active} })
}

func featuresChart(in Input, days []models.Date, labels []string, byDay map[models.Date]models.UsageDay) Chart {
	return daily(ChartFeatures, "GitLab Duo use per day by feature", "Uses",
		"Uses by seat holders, by feature: Code Suggestions, Chat, and all other GitLab Duo features.",
		in, days, labels, byDay, []string{"Code Suggestions", "Chat", "Others"},
		func(u models.UsageDay) []int64 { return []int64{u.CodeSuggestionsUses, u.ChatUses, u.OtherUses} })
}

// Share is part of whole in percent, one decimal; 0 of nothing is 0.
func Share(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(int64(float64(part)*1000/float64(whole)+0.5)) / 10
}

func activeChart(in Input) Chart {
	a := in.Activity
	s7, s28 := Share(a.Active7, a.Assigned), Share(a.Active28, a.Assigned)
	title := "Active seats in the last 7 and 28 days"
	desc := fmt.Sprintf("Bar chart: of %d assigned seats, %d (%.1f%%) were used in the last 7 days and %d (%.1f%%) in the last 28 days.",
		a.Assigned, a.Active7, s7, a.Active28, s28)
	svg := charts.Bars{ID: ChartActive, Title: title, Desc: desc, XLabel: "Period", YLabel: "Share of assigned seats (%)", Max: 100,
		Bars: []charts.Bar{{Label: "Last 7 days", Value: s7}, {Label: "Last 28 days", Value: s28}}}.SVG()
	row := func(p string, n int64, s float64) []string {
		return []string{p, strconv.FormatInt(n, 10), strconv.FormatInt(a.Assigned, 10), strconv.FormatFloat(s, 'f', 1, 64)}
	}
	return Chart{ID: ChartActive, Title: title, SVG: svg, CSVHref: in.CSVHref(ChartActive),
		Note:    "Seats whose holder used GitLab Duo in the period, as a share of the seats assigned now.",
		Columns: []string{"Period", "Active seats", "Assigned seats", "Share (%)"},
		Rows:    [][]string{row("Last 7 days", a.Active7, s7), row("Last 28 days", a.Active28, s28)}}
}

func idleChart(in Input) Chart {
	b := in.Activity.Idle
	bars := []charts.Bar{{Label: "Never used", Value: float64(b.Never)}, {Label: "Idle 30–59 days", Value: float64(b.Idle30)},
		{Label: "Idle 60–89 days", Value: float64(b.Idle60)}, {Label: "Idle 90+ days", Value: float64(b.Idle90)}}
	title := "Idle seats by age"
	desc := fmt.Sprintf("Bar chart of assigned seats by time since their holder last used GitLab Duo: never used %d, idle 30–59 days %d, 60–89 days %d, 90 days or more %d; %d used in the last 30 days.",
		b.Never, b.Idle30, b.Idle60, b.Idle90, b.Recent)
	rows := make([][]string, len(bars))
	for i, bar := range bars {
		rows[i] = []string{bar.Label, fmt.Sprintf("%.0f", bar.Value)}
	}
	return Chart{ID: ChartIdle, Title: title, CSVHref: in.CSVHref(ChartIdle),
		SVG:     charts.Bars{ID: ChartIdle, Title: title, Desc: desc, XLabel: "Time since last use", YLabel: "Seats", Bars: bars}.SVG(),
		Note:    fmt.Sprintf("Seats by the age of their holder's last GitLab Duo use. %d seat(s) were used in the last 30 days.", b.Recent),
		Columns: []string{"Idle", "Seats"}, Rows: rows}
}

// GroupRows adds each row's bar, scaled to the largest row on the page.
func GroupRows(gs []models.GroupUsage) []GroupRow {
	var max int64
	for _, g := range gs {
		max = maxInt(max, g.Assigned)
	}
	out := make([]GroupRow, len(gs))
	for i, g := range gs {
		out[i] = GroupRow{Name: g.Name, FullPath: g.FullPath, Assigned: g.Assigned, Active: g.Active, Idle: g.Idle(),
			Bar: charts.RowBar(fmt.Sprintf("%s: %d active, %d idle", g.FullPath, g.Active, g.Idle()), max, g.Active, g.Idle())}
	}
	return out
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func ariaSort(current, key string) string {
	switch {
	case current != key:
		return "none"
	case key == "name":
		return "ascending"
	}
	return "descending"
}
