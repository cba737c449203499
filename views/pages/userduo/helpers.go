// Package userduo is a user's GitLab Duo tab: their seats and the purchase
// behind each, Duo Core, activity and seat history. The admin user page
// and a group's member page share it.
package userduo

import (
	"encoding/json"
	"strconv"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/pages/audit"
)

type Props struct {
	User       *models.User
	Deployment models.Deployment
	GroupPage  bool
	// Scope names where the tab looks: "this instance", "acme".
	Scope     string
	Seats     []models.UserSeat
	Coverage  models.UserDuoCoverage
	History   models.Paged[models.AuditEvent]
	Pager     components.Pager
	Purchases map[int64]models.AddOnPurchase
	// AccessCheckHref is the access explainer for this user; "" when the
	// viewer has none to go to.
	AccessCheckHref string
	Today           models.Date
}

// HistoryRow is one assignment or removal, read from its audit event.
type HistoryRow struct {
	Event    *models.AuditEvent
	Assigned bool
	Reason   string
	Purchase string
}

func (p Props) rows() []HistoryRow {
	out := make([]HistoryRow, len(p.History.Items))
	for i := range p.History.Items {
		e := &p.History.Items[i]
		var d struct {
			PurchaseID int64        `json:"add_on_purchase_id"`
			AddOn      models.AddOn `json:"add_on"`
		}
		_ = json.Unmarshal([]byte(e.Details), &d)
		r := HistoryRow{Event: e, Assigned: e.Action == "seat_assigned", Reason: audit.Describe(e.Details).Reason}
		r.Purchase = purchaseLabel(d.AddOn, d.PurchaseID, p.Purchases)
		out[i] = r
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
	if id == 0 {
		return addOn.Title()
	}
	return addOn.Title() + " · purchase #" + strconv.FormatInt(id, 10)
}

// reasonTitle: "seat_overage (rank 3)" → "Seat overage (rank 3)".
func reasonTitle(r string) string { return audit.ActionTitle(r) }

func date(d *models.Date) string {
	if d == nil {
		return "Never"
	}
	return d.Format("Jan 02, 2006")
}

func namespaceTitle(ns string) string {
	if ns == "" {
		return "Instance"
	}
	return ns
}
