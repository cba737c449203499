package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/subscriptions"
)

// POST /admin/subscriptions/:name/quantity (purchase_id, quantity[, confirm])
//
// Lowering the seats below those assigned removes seats, so the first POST
// shows who would lose theirs and why; confirm=1 applies the change, whose
// refresh removes exactly those (the preview runs the same queries).
func (s *Server) postAdminSubscriptionQuantity(c echo.Context) error {
	ctx := c.Request().Context()
	sub, p, err := s.subscriptionAndPurchase(c)
	if err != nil {
		return err
	}
	errs := models.FieldErrors{}
	quantity := formInt(errs, "quantity", c.FormValue("quantity"))
	if len(errs) == 0 && quantity > sub.Seats {
		errs.Add("quantity", models.ErrMoreSeatsThanSubscription.Error()+" ("+strconv.Itoa(sub.Seats)+")")
	}
	if len(errs) > 0 {
		return s.renderSubscription(c, http.StatusUnprocessableEntity, sub, subscriptions.SubscriptionProps{FormPurchaseID: p.ID,
			Form: "quantity", Values: url.Values{"quantity": {c.FormValue("quantity")}}, Errs: errs})
	}
	before, err := s.store.AssignedCount(ctx, p.ID)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" {
		removals, err := s.store.PreviewQuantityChange(ctx, p, quantity)
		if err != nil {
			return err
		}
		if len(removals) > 0 {
			ch := s.subscriptionsChrome(c, "Change seats", layouts.Crumb{Text: sub.Name, Href: subscriptions.SubscriptionPath(sub.Name)})
			return ok(c, subscriptions.QuantityPreview(ch, subscriptions.QuantityPreviewProps{Sub: sub, Purchase: p,
				Quantity: quantity, Assigned: before, Removals: removals}))
		}
	}
	up, err := s.store.UpdatePurchase(ctx, models.ActorFor(viewer(c)), p.ID, models.PurchaseUpdate{Quantity: &quantity})
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return s.renderSubscription(c, http.StatusUnprocessableEntity, sub, subscriptions.SubscriptionProps{FormPurchaseID: p.ID,
			Form: "quantity", Values: url.Values{"quantity": {c.FormValue("quantity")}}, Errs: fe})
	}
	if err != nil {
		return err
	}
	after, err := s.store.AssignedCount(ctx, p.ID)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s now has %d seats.", up.AddOn.Title(), up.Quantity)
	if removed := before - after; removed > 0 {
		msg += fmt.Sprintf(" %d %s lost their seat.", removed, plural(removed, "user", "users"))
	}
	return s.redirectWithFlash(c, subscriptions.SubscriptionPath(sub.Name), "success", msg)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
