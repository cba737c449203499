package charts

import (
	"fmt"
	"strings"
)

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value float64
}

// Bars is a vertical bar chart of categories, one colour per bar.
type Bars struct {
	ID     string
	Title  string
	Desc   string
	XLabel string
	YLabel string  // with its unit
	Max    float64 // the axis' top; 0: from the data
	Bars   []Bar
}

// SVG draws the chart.
func (c Bars) SVG() string {
	var b strings.Builder
	svgOpen(&b, c.ID, c.Title, c.Desc)
	max := c.Max
	if max == 0 {
		for _, bar := range c.Bars {
			if bar.Value > max {
				max = bar.Value
			}
		}
		max = niceMax(max)
	}
	y := yAxis(&b, max, c.YLabel)
	xAxisTitle(&b, c.XLabel)
	plotW := float64(width - left - right)
	slot := plotW / float64(max1(len(c.Bars)))
	bw := slot * 0.6
	names := make([]string, len(c.Bars))
	for i, bar := range c.Bars {
		names[i] = bar.Label
		x := float64(left) + slot*float64(i) + (slot-bw)/2
		fmt.Fprintf(&b, `<g class="bar" data-label="%s"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			esc(bar.Label), x, y(bar.Value), bw, y(0)-y(bar.Value), Color(i), esc(bar.Label), fmtNum(bar.Value))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#333238" text-anchor="middle">%s</text>`, x+bw/2, y(bar.Value)-4, fmtNum(bar.Value))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="#535158" text-anchor="middle">%s</text></g>`, x+bw/2, height-bottom+16, esc(bar.Label))
	}
	legend(&b, names)
	b.WriteString(`</svg>`)
	return b.String()
}

// RowBar is a small horizontal stacked bar for a table row: parts are
// drawn left to right, scaled to max; label is its text alternative.
func RowBar(label string, max int64, parts ...int64) string {
	const w, h = 160, 12
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, w, h, w, h, esc(label))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(label))
	x := 0.0
	for i, p := range parts {
		if max <= 0 || p <= 0 {
			continue
		}
		pw := float64(w) * float64(p) / float64(max)
		fmt.Fprintf(&b, `<rect x="%.1f" y="0" width="%.1f" height="%d" fill="%s"/>`, x, pw, h, Color(i))
		x += pw
	}
	b.WriteString(`</svg>`)
	return b.String()
}
