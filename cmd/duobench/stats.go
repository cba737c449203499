package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// minSamples is the fewest timings a p99 is reported from: with fewer, the
// 99th percentile is just the slowest run, and a target on it says little.
const minSamples = 30

// growthPer10x is how a time grows for each tenfold growth of the
// organisation, between two sizes: 1 is flat, 10 linear, 100 quadratic.
// 0 when either side is missing.
func growthPer10x(n1 int, t1 float64, n2 int, t2 float64) float64 {
	if n1 <= 0 || n2 <= 0 || n1 == n2 || t1 <= 0 || t2 <= 0 {
		return 0
	}
	return round2(math.Pow(t2/t1, 1/math.Log10(float64(n2)/float64(n1))))
}

// Growth is one scenario's time at each organisation size and the growth
// factor per 10x between neighbouring sizes.
type Growth struct {
	Name string `json:"name"`
	// Scales are user counts, ascending; P50ms the scenario's median at each.
	Scales []int     `json:"scales"`
	P50ms  []float64 `json:"p50_ms"`
	// Per10x[i] is the factor between Scales[i] and Scales[i+1].
	Per10x []float64 `json:"growth_per_10x"`
	// BaselinePer10x is the floor's (or baseline's) own growth, when it
	// ran at every size: what the work itself costs more, next to what
	// the product does.
	BaselinePer10x []float64 `json:"baseline_growth_per_10x,omitempty"`
}

// growthOf lines up the results that ran at more than one scale.
func growthOf(results []Result) []Growth {
	byName := map[string]map[int]float64{}
	baseByName := map[string]map[int]float64{}
	var names []string
	for _, r := range results {
		if r.Scale == 0 || r.P50ms <= 0 {
			continue
		}
		if byName[r.Name] == nil {
			byName[r.Name], baseByName[r.Name] = map[int]float64{}, map[int]float64{}
			names = append(names, r.Name)
		}
		byName[r.Name][r.Scale] = r.P50ms
		if r.BaselineP50ms > 0 {
			baseByName[r.Name][r.Scale] = r.BaselineP50ms
		}
	}
	var out []Growth
	for _, name := range names {
		m := byName[name]
		if len(m) < 2 {
			continue
		}
		g := Growth{Name: name}
		for n := range m {
			g.Scales = append(g.Scales, n)
		}
		slices.Sort(g.Scales)
		base := baseByName[name]
		for i, n := range g.Scales {
			g.P50ms = append(g.P50ms, m[n])
			if i > 0 {
				g.Per10x = append(g.Per10x, growthPer10x(g.Scales[i-1], m[g.Scales[i-1]], n, m[n]))
				if len(base) == len(m) {
					g.BaselinePer10x = append(g.BaselinePer10x, growthPer10x(g.Scales[i-1], base[g.Scales[i-1]], n, base[n]))
				}
			}
		}
		out = append(out, g)
	}
	return out
}

// samplesNote says how many timings stand behind a p99, and whether that
// is too few to judge a target on it.
func samplesNote(product, baseline int) string {
	s := fmt.Sprintf("%d/%d samples", product, baseline)
	if product < minSamples || (baseline > 0 && baseline < minSamples) {
		s += fmt.Sprintf(" (fewer than %d: p99 is not meaningful)", minSamples)
	}
	return s
}

// sorted copies and sorts durations.
func sorted(d []time.Duration) []time.Duration {
	out := slices.Clone(d)
	slices.Sort(out)
	return out
}
