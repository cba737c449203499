package charts

import (
	"encoding/xml"
	"fmt"
	"math"
	"strings"
)

// Palette: GitLab's data-visualisation blue, orange, green, purple.
var palette = []string{"#1f75cb", "#c95d2e", "#108548", "#7b58cf"}

// Color is series i's colour, so tables and legends can match the chart.
func Color(i int) string { return palette[i%len(palette)] }

const (
	width   = 720
	height  = 300
	left    = 64 // room for the y axis labels
	right   = 40 // room for the last date label
	top     = 40 // room for the title
	bottom  = 64 // room for the x labels, axis title and legend
	tickLen = 4
)

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// svgOpen starts a chart: its id names the title and desc for aria.
func svgOpen(b *strings.Builder, id, title, desc string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="%s-title %s-desc" class="duo-chart" data-testid="chart-%s">`,
		width, height, esc(id), esc(id), esc(id))
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
	fmt.Fprintf(b, `<text x="%d" y="20" font-size="14" font-weight="600" fill="#333238">%s</text>`, left, esc(title))
}

// niceMax rounds max up to 1, 2 or 5 times a power of ten (at least 1),
// so the axis ticks are round numbers.
func niceMax(max float64) float64 {
	if max <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(max)))
	for _, m := range []float64{1, 2, 5, 10} {
		if max <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func fmtNum(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// yAxis draws the value axis from 0 to ymax with five ticks and its title
// (the unit), returning the scale from value to y.
func yAxis(b *strings.Builder, ymax float64, unit string) func(float64) float64 {
	plotH := float64(height - top - bottom)
	y := func(v float64) float64 { return float64(top) + plotH - v/ymax*plotH }
	fmt.Fprintf(b, `<g class="y-axis" font-size="11" fill="#535158">`)
	for i := 0; i <= 4; i++ {
		v := ymax * float64(i) / 4
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#dcdcde"/>`, left, width-right, y(v), y(v))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`, left-tickLen-2, y(v)+4, fmtNum(v))
	}
	fmt.Fprintf(b, `<text transform="translate(14 %d) rotate(-90)" text-anchor="middle">%s</text></g>`, top+int(plotH)/2, esc(unit))
	return y
}

// xAxisTitle and legend share the bottom band.
func xAxisTitle(b *strings.Builder, label string) {
	fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#89888d"/>`, left, width-right, height-bottom, height-bottom)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" fill="#535158" text-anchor="middle">%s</text>`,
		left+(width-left-right)/2, height-bottom+32, esc(label))
}

func legend(b *strings.Builder, names []string) {
	x := left
	fmt.Fprintf(b, `<g class="legend" font-size="11" fill="#333238">`)
	for i, n := range names {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`,
			x, height-14, Color(i), x+14, height-5, esc(n))
		x += 24 + 7*len([]rune(n))
	}
	b.WriteString(`</g>`)
}
