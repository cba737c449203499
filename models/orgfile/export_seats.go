package orgfile

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"duoadmin/models"
)

func timestampString(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// exportSeats adds subscriptions, purchases and seat assignments. A null
// namespace is the instance's; the instance sorts first.
func exportSeats(rows *models.OrganisationRows, doc *Document, usernames, groupPaths map[int64]string) {
	nsOf := func(id *int64) *string {
		if id == nil {
			return nil
		}
		return new(groupPaths[*id])
	}
	byNS := func(a, b *string) int {
		return cmp.Compare(strings.ToLower(deref(a)), strings.ToLower(deref(b)))
	}
	for _, sub := range rows.Subscriptions {
		doc.Subscriptions = append(doc.Subscriptions, SubscriptionDoc{Name: sub.Name, Namespace: nsOf(sub.NamespaceID),
			Plan: sub.Plan, Seats: sub.Seats, StartsOn: sub.StartsOn.String(), EndsOn: sub.EndsOn.String()})
	}
	ps := rows.Purchases
	purchases := make(map[int64]*models.AddOnPurchase, len(ps))
	for i := range ps {
		p := &ps[i]
		purchases[p.ID] = p
		started := NullableOf[string](nil)
		if p.StartedAt != nil {
			started = NullableOf(new(p.StartedAt.String()))
		}
		doc.AddOnPurchases = append(doc.AddOnPurchases, PurchaseDoc{Namespace: nsOf(p.NamespaceID), AddOn: p.AddOn,
			Quantity: p.Quantity, StartedAt: started, ExpiresOn: p.ExpiresOn.String(), Trial: new(p.Trial), PurchaseXID: p.PurchaseXID})
	}
	slices.SortFunc(doc.AddOnPurchases, func(a, b PurchaseDoc) int {
		return cmp.Or(byNS(a.Namespace, b.Namespace), strings.Compare(string(a.AddOn), string(b.AddOn)))
	})
	for _, a := range rows.Seats {
		p := purchases[a.AddOnPurchaseID]
		doc.Assignments = append(doc.Assignments, AssignmentDoc{User: usernames[a.UserID], AddOn: p.AddOn,
			Namespace: nsOf(p.NamespaceID), AssignedAt: timestampString(a.CreatedAt)})
	}
	slices.SortStableFunc(doc.Assignments, func(a, b AssignmentDoc) int {
		return cmp.Or(byNS(a.Namespace, b.Namespace), strings.Compare(string(a.AddOn), string(b.AddOn)),
			strings.Compare(strings.ToLower(a.User), strings.ToLower(b.User)))
	})
}
