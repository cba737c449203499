// Package layouts holds the page chrome every screen renders inside: the base
// document with its top bar, sidebar and breadcrumbs.
package layouts
