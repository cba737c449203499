// Package seatrequests is a purchase's Seat requests tab: the queue of
// users asking for a seat, oldest first, with Assign (one or many) and
// Decline (with a reason), and the "fill freed seats from the queue"
// setting. The Admin area (self-managed) and a top-level group's usage
// quotas (GitLab.com) share it.
package seatrequests

import (
	"net/url"
	"strconv"

	"duoadmin/models"
	"duoadmin/views/components"
)

type Props struct {
	Tabs           []components.Tab
	AddOnTitle     string
	Base           string // the tab's URL; actions are Base + "/assign", "/decline", "/settings"
	AddOn          string // the purchase ?add_on= names, "" for the default one; every action keeps it
	Queue          models.Paged[models.SeatRequest]
	Pager          components.Pager
	FillFreedSeats bool
	Free           int64
	CanEdit        bool
}

func (p Props) freeText() string {
	if p.Free == 1 {
		return "1 seat is free."
	}
	return strconv.FormatInt(p.Free, 10) + " seats are free."
}

// action is one of the tab's form actions, naming the purchase.
func (p Props) action(name string) string {
	if p.AddOn == "" {
		return p.Base + "/" + name
	}
	return p.Base + "/" + name + "?" + url.Values{"add_on": {p.AddOn}}.Encode()
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }
