package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
)

// The preview of a seat reduction lists exactly who the change removes.
func TestReducingSeatsPreviewsThenRemovesTheSameUsers(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	actor := models.ActorFor(a.users["admin"])
	if _, err := a.store.CreateSubscription(ctx, actor, models.SelfManaged, models.SubscriptionInput{Name: "A-S00099999",
		Plan: models.PlanPremium, Seats: 10, StartsOn: models.Today().AddDays(-10), EndsOn: models.Today().AddDays(300)}); err != nil {
		t.Fatal(err)
	}
	p, err := a.store.CreatePurchase(ctx, actor, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 5,
		ExpiresOn: models.Today().AddDays(300), PurchaseXID: "A-S00099999"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		u := a.mustUser(models.UserInput{Username: fmt.Sprintf("seat%d", i), Name: fmt.Sprintf("Seat %d", i), Email: fmt.Sprintf("seat%d@example.com", i)})
		if _, err := a.store.AssignSeat(ctx, actor, p.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	c := a.as("admin")
	path := "/admin/subscriptions/A-S00099999/quantity"
	form := url.Values{"purchase_id": {fmt.Sprint(p.ID)}, "quantity": {"3"}}

	res := c.post(path, form)
	wantStatus(t, res, http.StatusOK)
	if got := res.Text(`[data-testid="preview-headline"]`); got != "Reducing to 3 seats will remove these 2 users" {
		t.Fatalf("headline %q", got)
	}
	var previewed []string
	res.Doc().Find(`[data-testid="preview-row"]`).Each(func(_ int, r *goquery.Selection) {
		previewed = append(previewed, r.AttrOr("data-username", ""))
	})
	// Nobody used Code Suggestions: the most recently assigned go first.
	if strings.Join(previewed, ",") != "seat4,seat3" {
		t.Fatalf("preview %v", previewed)
	}
	if n, _ := a.store.AssignedCount(ctx, p.ID); n != 5 {
		t.Fatal("the preview removed seats")
	}

	form.Set("confirm", "1")
	res = c.post(path, form)
	wantStatus(t, res, http.StatusSeeOther)
	if got := c.follow(res).Flash(); got != "GitLab Duo Pro now has 3 seats. 2 users lost their seat." {
		t.Fatalf("flash %q", got)
	}
	holders, _ := a.store.SeatHolders(ctx, p.ID)
	if len(holders) != 3 {
		t.Fatalf("%d seats left", len(holders))
	}
	for _, name := range previewed {
		u, _ := a.store.UserByUsername(ctx, name)
		for _, id := range holders {
			if id == u.ID {
				t.Fatalf("%s was previewed but kept the seat", name)
			}
		}
		// Reconciled with GitLab's overage rule: each seat in the ledger
		// and mailed; the removal is one audit event (below).
		if !slices.Contains(ledgerOf(t, a.store, p.ID), name+" lost overage") {
			t.Fatalf("%s: no lost overage row in the ledger", name)
		}
		mail, err := a.store.ListOutbox(ctx, models.OutboxFilter{}, models.Page{Number: 1, PerPage: 50})
		if err != nil {
			t.Fatal(err)
		}
		mailed := false
		for _, m := range mail.Items {
			mailed = mailed || (m.Kind == "seat_removed" && m.ToAddress == u.Email)
		}
		if !mailed {
			t.Fatalf("no removal mail to %s", u.Email)
		}
	}

	ev := wantAudit(t, a, "seats_unassigned", p.AddOn.Title(), models.Automation.Username)
	if !strings.Contains(ev.Details, `"reason":"seat_overage"`) || !strings.Contains(ev.Details, `"count":2`) {
		t.Fatalf("the removal audited as %s", ev.Details)
	}

	// More than the subscription's seats: refused, the form keeps the value.
	res = c.post(path, url.Values{"purchase_id": {fmt.Sprint(p.ID)}, "quantity": {"11"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text(`[data-testid="quantity-form"]`), "cannot exceed the subscription's seats (10)") {
		t.Fatalf("no field error:\n%s", res.Text(`[data-testid="quantity-form"]`))
	}
	// Raising needs no preview.
	res = c.post(path, url.Values{"purchase_id": {fmt.Sprint(p.ID)}, "quantity": {"8"}})
	wantStatus(t, res, http.StatusSeeOther)
	if fresh, _ := a.store.PurchaseByID(ctx, p.ID); fresh.Quantity != 8 {
		t.Fatalf("quantity %d", fresh.Quantity)
	}
}
