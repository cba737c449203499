package userduo

import (
	"strconv"

	"duoadmin/models"
	"duoadmin/views/components"
)

type Props struct {
	User       *models.User
	Deployment models.Deployment
	GroupPage  bool
	// Scope names where the tab looks: "this instance", "acme".
	Scope     string
	Seats     []models.UserSeat
	Coverage  models.UserDuoCoverage
	History   models.Paged[models.SeatEvent]
	Pager     components.Pager
	Purchases map[int64]models.AddOnPurchase
	// AccessCheckHref is the access explainer for this user; "" when the
	// viewer has none to go to.
	AccessCheckHref string
	Today           models.Date
}

// HistoryRow is one seat gained or lost, read from the seat ledger.
type HistoryRow struct {
	Event    *models.SeatEvent
	Assigned bool
	Purchase string
}

func (p Props) rows() []HistoryRow {
	out := make([]HistoryRow, len(p.History.Items))
	for i := range p.History.Items {
		e := &p.History.Items[i]
		out[i] = HistoryRow{Event: e, Assigned: e.Event == models.SeatGained, Purchase: purchaseLabel("", e.AddOnPurchaseID, p.Purchases)}
	}
	return out
}

func purchaseLabel(addOn models.AddOn, id int64, known map[int64]models.AddOnPurchase) string {
	if p, ok := known[id]; ok {
		addOn = p.AddOn
		if p.PurchaseXID != "" {
			return addOn.Title() + " · " + p.PurchaseXID
		}
	}
	if addOn == "" {
		return "Purchase #" + strconv.FormatInt(id, 10) // deleted since
	}
	return addOn.Title() + " · purchase #" + strconv.FormatInt(id, 10)
}

func date(d *models.Date) string {
	if d == nil {
		return "Never"
	}
	return components.Date(*d)
}

func namespaceTitle(ns string) string {
	if ns == "" {
		return "Instance"
	}
	return ns
}
