package charts

import (
	"fmt"
	"strings"
)

// Series is one line: a value per label, nil where there is no data (the
// line breaks there rather than drawing a zero nobody measured).
type Series struct {
	Name   string
	Values []*float64
}

// Line is a line chart over labelled points (days).
type Line struct {
	ID     string
	Title  string
	Desc   string // the text alternative: what the chart shows, in words
	XLabel string // the x axis' title, with its unit
	YLabel string // the y axis' title, with its unit
	Labels []string
	Series []Series
}

// SVG draws the chart.
func (c Line) SVG() string {
	var b strings.Builder
	svgOpen(&b, c.ID, c.Title, c.Desc)
	max := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v != nil && *v > max {
				max = *v
			}
		}
	}
	y := yAxis(&b, niceMax(max), c.YLabel)
	n := len(c.Labels)
	plotW := float64(width - left - right)
	x := func(i int) float64 {
		if n <= 1 {
			return float64(left) + plotW/2
		}
		return float64(left) + plotW*float64(i)/float64(n-1)
	}
	xAxisTitle(&b, c.XLabel)
	// About six dates along the axis.
	step := max1(n / 6)
	fmt.Fprintf(&b, `<g class="x-axis" font-size="11" fill="#535158">`)
	for i := 0; i < n; i += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), height-bottom+16, esc(c.Labels[i]))
	}
	b.WriteString(`</g>`)
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#535158" text-anchor="middle">No data yet</text>`,
			left+int(plotW)/2, top+(height-top-bottom)/2)
	}
	names := make([]string, len(c.Series))
	for si, s := range c.Series {
		names[si] = s.Name
		fmt.Fprintf(&b, `<g class="series" data-series="%s" stroke="%s" fill="%s">`, esc(s.Name), Color(si), Color(si))
		var path strings.Builder
		pen := false
		for i, v := range s.Values {
			if v == nil {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(i), y(*v))
			pen = true
			// A dot per point, so a lone day between gaps still shows.
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" stroke="none"/>`, x(i), y(*v))
		}
		if path.Len() > 0 {
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke-width="2"/>`, strings.TrimSpace(path.String()))
		}
		b.WriteString(`</g>`)
	}
	legend(&b, names)
	b.WriteString(`</svg>`)
	return b.String()
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// Num is a helper for building series from counts.
func Num(v int64) *float64 {
	f := float64(v)
	return &f
}
