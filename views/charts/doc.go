// Package charts draws small server-rendered SVG charts: no JavaScript is
// needed for them to appear. Every chart is labelled for people who cannot
// see it: role="img", a <title> and a <desc> (the text alternative), axes
// with their units and a legend; the page shows its numbers in a table too.
// It is a leaf: it imports nothing of the application.
package charts
