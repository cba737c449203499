package charts

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// wellFormed parses s as XML to the end.
func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
	}
}

func TestChartsAreValidLabelledSVG(t *testing.T) {
	t.Parallel()
	two := 2.0
	for name, svg := range map[string]string{
		"line": Line{ID: "seats", Title: "Seats <per> day & more", Desc: "desc \"quoted\"", XLabel: "Day (UTC)", YLabel: "Seats",
			Labels: []string{"2026-01-01", "2026-01-02", "2026-01-03"},
			Series: []Series{{Name: "Purchased", Values: []*float64{&two, nil, &two}}}}.SVG(),
		"empty line": Line{ID: "e", Title: "Empty", Desc: "nothing", XLabel: "Day", YLabel: "Uses"}.SVG(),
		"bars": Bars{ID: "idle", Title: "Idle seats", Desc: "by age", XLabel: "Idle for", YLabel: "Seats",
			Bars: []Bar{{"Never used", 3}, {"90+ days", 0}}}.SVG(),
		"row": RowBar("acme: 3 active, 2 idle", 10, 3, 2),
	} {
		wellFormed(t, svg)
		if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, "<title") {
			t.Errorf("%s: not labelled: %s", name, svg)
		}
		if name != "row" {
			for _, want := range []string{"<desc", "Seats", "legend", "y-axis"} {
				if !strings.Contains(svg, want) && !(want == "Seats" && name == "empty line") {
					t.Errorf("%s lacks %q", name, want)
				}
			}
		}
	}
	if got := (Line{ID: "g", Labels: []string{"a", "b", "c"}, Series: []Series{{Name: "s", Values: []*float64{&two, nil, &two}}}}).SVG(); strings.Count(got, "M") != 2 {
		t.Errorf("a gap should break the line into two pieces: %s", got)
	}
}

func TestNiceMax(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]float64{0: 1, 0.4: 0.5, 1: 1, 3: 5, 7: 10, 12: 20, 100: 100, 101: 200, 312: 500} {
		if got := niceMax(in); got != want {
			t.Errorf("niceMax(%v) = %v, want %v", in, got, want)
		}
	}
}

// The per-group table's text says "active (blue) then idle (orange)": the
// row bar's parts take the palette from its first colour, as the charts'
// series and legends do.
func TestRowBarPartsTakeThePaletteInOrder(t *testing.T) {
	t.Parallel()
	svg := RowBar("acme: 3 active, 2 idle", 10, 3, 2)
	first, second := strings.Index(svg, `fill="`+Color(0)+`"`), strings.Index(svg, `fill="`+Color(1)+`"`)
	if first < 0 || second < first {
		t.Errorf("row bar %s: want the first part %s, then %s", svg, Color(0), Color(1))
	}
}
