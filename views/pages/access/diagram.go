package access

import (
	"fmt"
	"strings"

	"duoadmin/models"
	"duoadmin/models/access"
)

// Diagram is the flow diagram of one deployment mode, laid out by hand on
// a fixed grid, with the decision's path marked.
type Diagram struct {
	Title   string
	ViewBox string
	Nodes   []DNode
	Edges   []DEdge
}

// Node kinds.
const (
	kindStart    = "start"
	kindQuestion = "question"
	kindAllow    = "allow"
	kindDeny     = "deny"
	// kindLock is the group or instance whose Always on / Always off lock
	// answers "Group/Project has Duo features enabled?" (#21).
	kindLock = "lock"
)

type DNode struct {
	ID     string
	Kind   string
	X, Y   int // centre
	W, H   int
	Lines  []string
	OnPath bool
	// Implied: the decision records these checks (A0, D1) only when they
	// fail, so a path that jumps over one passed it with "Yes".
	Implied bool
	Outcome bool // the decision's end node
	Answer  string
}

type DEdge struct {
	From, To string
	Points   string
	Label    string
	LX, LY   int
	Anchor   string // text-anchor of the label
	OnPath   bool
	Dashed   bool // the lock's edge: it informs a question, it is no step
}

// Grid: three columns of questions/ends, rows 100-110 apart.
const (
	colEnd   = 110 // ends of the seat branch
	colSeat  = 360 // seat branch questions
	colSpine = 630 // main line
	colRight = 900 // ends of the main line
	qW, qH   = 210, 62
	endW     = 180
	endH     = 50
)

type place struct {
	kind string
	x, y int
}

var layout = map[string]place{
	"A": {kindStart, colSpine, 40}, "A0": {kindQuestion, colSpine, 130}, "B": {kindQuestion, colSpine, 230},
	"C": {kindDeny, colRight, 180}, "D": {kindQuestion, colSpine, 330},
	"D1": {kindQuestion, colSeat, 330}, "D2": {kindDeny, colEnd, 330},
	"R1": {kindQuestion, colSeat, 440}, "RC": {kindAllow, colEnd, 440},
	"R2": {kindQuestion, colSeat, 550}, "R3": {kindDeny, colEnd, 550}, "R4": {kindAllow, colSeat, 660},
	"F": {kindQuestion, colSpine, 440}, "G": {kindDeny, colRight, 440},
	"H": {kindQuestion, colSpine, 550}, "I": {kindDeny, colRight, 550},
	"J": {kindQuestion, colSpine, 660}, "K": {kindAllow, colRight, 660},
	"L": {kindQuestion, colSpine, 770}, "N": {kindDeny, colRight, 770}, "M": {kindAllow, colSpine, 880},
}

// nodeOrder is the drawing (and reading) order.
var nodeOrder = []string{"A", "A0", "B", "C", "D", "D1", "D2", "R1", "RC", "R2", "R3", "R4", "F", "G", "H", "I", "J", "K", "L", "N", "M"}

// NodeIDs lists every node the diagram draws.
func NodeIDs() []string { return append([]string(nil), nodeOrder...) }

// texts are the node labels; B and F depend on the deployment.
func texts(mode models.Deployment, feature string) map[string]string {
	t := map[string]string{
		"A": "Start", "A0": "Is the account an active human user?",
		"C": "Cannot use GitLab Duo", "D": "Has Duo Pro/Enterprise license?",
		"D1": "Does the seat include " + feature + "?", "D2": "Cannot use GitLab Duo",
		"R1": "Using Duo with specific group/project resource?", "RC": "Can use GitLab Duo",
		"R2": "Group/Project has Duo features enabled?", "R3": "Cannot use Duo with this resource", "R4": "Can use Duo with this resource",
		"G": "Cannot use GitLab Duo", "H": "Using Chat or Code Suggestions in IDE?", "I": "Cannot use GitLab Duo",
		"J": "Using Duo with specific group/project resource?", "K": "Can use GitLab Duo",
		"L": "Group/Project has Duo features enabled?", "N": "Cannot use Duo with this resource", "M": "Can use Duo with this resource",
	}
	if mode == models.GitLabCom {
		t["B"], t["F"] = "Member of Premium/Ultimate group?", "Any Premium/Ultimate group has Duo Core enabled?"
	} else {
		t["B"], t["F"] = "Instance has Duo features set to 'Always off'?", "Instance has Duo Core enabled?"
	}
	return t
}

type edgeSpec struct {
	from, to, label string
	side            string // "down", "left", "right" (from the source), or "elbow-down"/"elbow-up" to C
}

func edgeSpecs(mode models.Deployment) []edgeSpec {
	toC, toD := "No", "Yes"
	if mode != models.GitLabCom {
		toC, toD = "Yes", "No"
	}
	return []edgeSpec{
		{"A", "A0", "", "down"}, {"A0", "B", "Yes", "down"}, {"A0", "C", "No", "elbow-down"},
		{"B", "C", toC, "elbow-up"}, {"B", "D", toD, "down"},
		{"D", "D1", "Yes", "left"}, {"D", "F", "No", "down"},
		{"D1", "D2", "No", "left"}, {"D1", "R1", "Yes", "down"},
		{"R1", "RC", "No", "left"}, {"R1", "R2", "Yes", "down"},
		{"R2", "R3", "No", "left"}, {"R2", "R4", "Yes", "down"},
		{"F", "G", "No", "right"}, {"F", "H", "Yes", "down"},
		{"H", "I", "No", "right"}, {"H", "J", "Yes", "down"},
		{"J", "K", "No", "right"}, {"J", "L", "Yes", "down"},
		{"L", "N", "No", "right"}, {"L", "M", "Yes", "down"},
	}
}

// implied are the checks a path may jump over: (from, to) → the node between.
var implied = map[[2]string]string{{"A", "B"}: "A0", {"D", "R1"}: "D1"}

func size(kind string) (int, int) {
	switch kind {
	case kindQuestion:
		return qW, qH
	case kindStart:
		return 120, 40
	}
	return endW, endH
}

// BuildDiagram lays out the unified diagram of mode and marks d's path.
func BuildDiagram(mode models.Deployment, featureTitle string, d access.Decision) Diagram {
	t := texts(mode, featureTitle)
	onPath := map[string]bool{}
	answers := map[string]string{}
	seq := make([]string, 0, len(d.Path)+1)
	for _, s := range d.Path {
		onPath[s.Node], answers[s.Node] = true, s.Answer
		seq = append(seq, s.Node)
		if s.Node == "D1" || s.Node == "B" || s.Node == "F" {
			t[s.Node] = s.Question
		}
	}
	if d.OutcomeNode != "" {
		onPath[d.OutcomeNode] = true
		seq = append(seq, d.OutcomeNode)
	}
	edgeOn := map[[2]string]bool{}
	impliedOn := map[string]bool{}
	for i := 0; i+1 < len(seq); i++ {
		pair := [2]string{seq[i], seq[i+1]}
		if mid, ok := implied[pair]; ok {
			impliedOn[mid] = true
			edgeOn[[2]string{pair[0], mid}], edgeOn[[2]string{mid, pair[1]}] = true, true
			continue
		}
		edgeOn[pair] = true
	}
	title := "GitLab Duo access on GitLab.com"
	if mode != models.GitLabCom {
		title = "GitLab Duo access on GitLab Self-Managed"
	}
	dg := Diagram{Title: title, ViewBox: "0 0 1010 920"}
	for _, id := range nodeOrder {
		p := layout[id]
		w, h := size(p.kind)
		dg.Nodes = append(dg.Nodes, DNode{ID: id, Kind: p.kind, X: p.x, Y: p.y, W: w, H: h, Lines: wrap(t[id], 24),
			OnPath: onPath[id], Implied: impliedOn[id], Outcome: id == d.OutcomeNode, Answer: answers[id]})
	}
	for _, e := range edgeSpecs(mode) {
		dg.Edges = append(dg.Edges, route(e, edgeOn[[2]string{e.from, e.to}], answers[e.from]))
	}
	addLockSource(&dg, d, onPath)
	return dg
}

// lockPlaces: where the lock source is drawn next to each "has Duo features
// enabled?" question, in a cell of the grid no other node uses.
var lockPlaces = map[string]place{"R2": {kindLock, colEnd, 660}, "L": {kindLock, colSeat, 770}}

// addLockSource draws who locks the resource's setting beside the
// question it answered, joined to it by a dashed line.
func addLockSource(dg *Diagram, d access.Decision, onPath map[string]bool) {
	if d.LockSource == "" {
		return
	}
	for q, p := range lockPlaces {
		if !onPath[q] {
			continue
		}
		label := "Locked by " + d.LockSource
		if d.LockSource == "instance" {
			label = "Locked by the instance"
		}
		w, h := size(p.kind)
		dg.Nodes = append(dg.Nodes, DNode{ID: "LK", Kind: p.kind, X: p.x, Y: p.y, W: w, H: h, Lines: wrap(label, 24)})
		a := layout[q]
		aw, _ := size(a.kind)
		x1 := a.x - aw/2
		if p.x > a.x {
			x1 = a.x + aw/2
		}
		dg.Edges = append(dg.Edges, DEdge{From: "LK", To: q, Points: pts(p.x, p.y-h/2, p.x, a.y, x1, a.y), Label: "locks",
			LX: p.x + 8, LY: p.y - h/2 - 8, Anchor: "start", Dashed: true})
	}
}

// route draws an edge from the side of its source to its target and puts
// the answer next to where it leaves.
func route(e edgeSpec, on bool, answer string) DEdge {
	a, b := layout[e.from], layout[e.to]
	aw, ah := size(a.kind)
	bw, bh := size(b.kind)
	out := DEdge{From: e.from, To: e.to, Label: e.label, OnPath: on, Anchor: "start"}
	if on && answer != "" && e.label != "" {
		out.Label = shortAnswer(answer)
	}
	switch e.side {
	case "down":
		y1, y2 := a.y+ah/2, b.y-bh/2
		out.Points = pts(a.x, y1, b.x, y2)
		out.LX, out.LY = a.x+8, y1+(y2-y1)/2+4
	case "left":
		x1, x2 := a.x-aw/2, b.x+bw/2
		out.Points = pts(x1, a.y, x2, b.y)
		out.LX, out.LY, out.Anchor = x1+(x2-x1)/2, a.y-7, "middle"
	case "right":
		x1, x2 := a.x+aw/2, b.x-bw/2
		out.Points = pts(x1, a.y, x2, b.y)
		out.LX, out.LY, out.Anchor = x1+(x2-x1)/2, a.y-7, "middle"
	case "elbow-down", "elbow-up":
		x1 := a.x + aw/2
		y2 := b.y - bh/2
		if e.side == "elbow-up" {
			y2 = b.y + bh/2
		}
		out.Points = pts(x1, a.y, b.x, a.y, b.x, y2)
		out.LX, out.LY = x1+12, a.y-7
	}
	return out
}

func shortAnswer(a string) string {
	if i := strings.Index(a, " — "); i >= 0 {
		return a[:i]
	}
	return a
}

func pts(xy ...int) string {
	var b strings.Builder
	for i := 0; i+1 < len(xy); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d,%d", xy[i], xy[i+1])
	}
	return b.String()
}

// wrap breaks s into lines of at most n characters, at spaces.
func wrap(s string, n int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > n {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

// Shape: a hexagon for questions, a pill for the start and the ends.
func (n DNode) Hexagon() string {
	l, r, t, b := n.X-n.W/2, n.X+n.W/2, n.Y-n.H/2, n.Y+n.H/2
	return pts(l, n.Y, l+14, t, r-14, t, r, n.Y, r-14, b, l+14, b)
}

func (n DNode) Left() int { return n.X - n.W/2 }
func (n DNode) Top() int  { return n.Y - n.H/2 }

// FirstLineY centres the label's lines vertically (14px line height).
func (n DNode) FirstLineY() int { return n.Y - (len(n.Lines)-1)*7 + 4 }

// Colours, as SVG presentation attributes (the CSP forbids style attributes).
const (
	blue        = "#1f75cb"
	blueLight   = "#e9f3fc"
	grey        = "#bfbfc3"
	greyText    = "#626168"
	dark        = "#333238"
	green       = "#108548"
	greenLight  = "#f1f9f4"
	greenLine   = "#91d4a8"
	red         = "#dd2b0e"
	redLight    = "#fdf4f2"
	redLine     = "#f5b7ad"
	orange      = "#ab6100"
	orangeLight = "#fdf1dd"
)

func (n DNode) Fill() string {
	switch {
	case n.Kind == kindLock:
		return orangeLight
	case n.Kind == kindStart:
		return blue
	case n.Outcome && n.Kind == kindAllow:
		return green
	case n.Outcome:
		return red
	case n.Kind == kindAllow:
		return greenLight
	case n.Kind == kindDeny:
		return redLight
	case n.OnPath || n.Implied:
		return blueLight
	}
	return "#ffffff"
}

func (n DNode) Stroke() string {
	switch {
	case n.Kind == kindLock:
		return orange
	case n.Kind == kindStart || n.OnPath && n.Kind == kindQuestion || n.Implied:
		return blue
	case n.Outcome && n.Kind == kindAllow:
		return "#0d532a"
	case n.Outcome:
		return "#8d1300"
	case n.Kind == kindAllow:
		return greenLine
	case n.Kind == kindDeny:
		return redLine
	}
	return grey
}

func (n DNode) StrokeWidth() string {
	if n.OnPath || n.Implied {
		return "3"
	}
	return "1.5"
}

func (n DNode) Dash() string {
	if n.Implied {
		return "6 4"
	}
	return ""
}

func (n DNode) TextFill() string {
	switch {
	case n.Kind == kindStart || n.Outcome:
		return "#ffffff"
	case n.OnPath || n.Implied:
		return dark
	}
	return greyText
}

func (n DNode) Weight() string {
	if n.OnPath || n.Implied {
		return "600"
	}
	return "400"
}

func (e DEdge) Stroke() string {
	if e.Dashed {
		return orange
	}
	if e.OnPath {
		return blue
	}
	return grey
}

func (e DEdge) Dash() string {
	if e.Dashed {
		return "6 4"
	}
	return ""
}

func (e DEdge) Width() string {
	if e.OnPath {
		return "3"
	}
	return "1.5"
}

func (e DEdge) Marker() string {
	if e.OnPath {
		return "url(#flow-arrow-on)"
	}
	return "url(#flow-arrow)"
}

func (e DEdge) LabelFill() string {
	if e.OnPath {
		return blue
	}
	return "#89888d"
}

func (e DEdge) Weight() string {
	if e.OnPath {
		return "700"
	}
	return "400"
}
