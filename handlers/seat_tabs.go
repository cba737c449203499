package handlers

import "duoadmin/views/components"

// The seat utilization page's tabs: the seat table, its usage insights,
// the reclaim policy and the seat requests, all of one purchase.

func (sc seatScope) usagePath() string    { return sc.bulkPath + "/usage" }
func (sc seatScope) reclaimPath() string  { return sc.bulkPath + "/reclaim" }
func (sc seatScope) requestsPath() string { return sc.bulkPath + "/seat_requests" }

func (sc seatScope) tabs(active string) []components.Tab {
	tabs := []components.Tab{
		{Text: "Seats", Href: sc.bulkPath, TestID: "tab-seats"},
		{Text: "Usage", Href: sc.usagePath(), TestID: "tab-usage"},
		{Text: "Reclaim idle seats", Href: sc.reclaimPath(), TestID: "tab-reclaim"},
		{Text: "Seat requests", Href: sc.requestsPath(), TestID: "tab-requests"},
	}
	for i := range tabs {
		tabs[i].Active = tabs[i].TestID == "tab-"+active
	}
	// Every tab manages the purchase ?add_on= names, so each one keeps it.
	for i := range tabs {
		tabs[i].Href = sc.keepAddOn(tabs[i].Href)
	}
	return tabs
}
