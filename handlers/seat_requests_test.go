package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"duoadmin/models"
)

// A user without a seat asks from their GitLab Duo page; the owner sees
// the queue and assigns from it, or declines with a reason mailed back.
func TestSeatRequestFromProfileToQueue(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	dev := a.as("dev")
	r := dev.get("/-/profile/gitlab_duo")
	wantStatus(t, r, http.StatusOK)
	form := r.Doc().Find(`[data-testid="seat-request-form"]`)
	pid, _ := form.Find(`input[name="add_on_purchase_id"]`).Attr("value")
	if pid != strconv.FormatInt(a.purchase.ID, 10) {
		t.Fatalf("request form for purchase %q, want %d", pid, a.purchase.ID)
	}
	long := url.Values{"add_on_purchase_id": {pid}, "note": {strings.Repeat("x", 1001)}}
	wantStatus(t, dev.post("/-/profile/gitlab_duo/seat_requests", long), http.StatusUnprocessableEntity)
	wantStatus(t, dev.post("/-/profile/gitlab_duo/seat_requests", url.Values{"add_on_purchase_id": {"999999"}}), http.StatusNotFound)
	wantStatus(t, dev.post("/-/profile/gitlab_duo/seat_requests", url.Values{"add_on_purchase_id": {pid}, "note": {"for the API work"}}), http.StatusSeeOther)
	if r := dev.get("/-/profile/gitlab_duo"); r.Doc().Find(`[data-testid="seat-request-pending"]`).Length() != 1 {
		t.Error("the pending request is not shown")
	}
	gus := a.mustUser(models.UserInput{Username: "gus", Name: "Gus Guest", Email: "gus@example.com", Password: testPassword})
	a.mkMember(models.GroupSource(a.acme), gus, models.Guest)
	pat := a.as("gus")
	wantStatus(t, pat.post("/-/profile/gitlab_duo/seat_requests", url.Values{"add_on_purchase_id": {pid}}), http.StatusSeeOther)

	owner := a.as("owner")
	q := owner.get(comBulk + "/seat_requests")
	wantStatus(t, q, http.StatusOK)
	rows := q.Doc().Find(`[data-testid="seat-request"]`)
	if rows.Length() != 2 || rows.First().AttrOr("data-username", "") != "dev" || !strings.Contains(rows.First().Text(), "for the API work") {
		t.Fatalf("queue: %d rows: %s", rows.Length(), rows.Text())
	}
	devReq, _ := rows.First().Find(`input[name="request_ids"]`).Attr("value")
	patReq, _ := rows.Last().Find(`input[name="request_ids"]`).Attr("value")
	wantStatus(t, owner.post(comBulk+"/seat_requests/assign", url.Values{"request_ids": {devReq}}), http.StatusSeeOther)
	if !a.holders()["dev"] {
		t.Fatal("dev has no seat after Assign")
	}
	wantStatus(t, owner.post(comBulk+"/seat_requests/decline", url.Values{"request_id": {patReq}, "reason": {"Guests first ask their manager"}}), http.StatusSeeOther)
	if n := sqlCountApp(t, a, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_request_declined' AND to_address = 'gus@example.com' AND text_body LIKE '%Guests first ask their manager%'"); n != 1 {
		t.Errorf("%d decline mails", n)
	}
	if n := sqlCountApp(t, a, "SELECT count(*) FROM email_outbox WHERE kind = 'seat_requested'"); n != 2 {
		t.Errorf("%d mails to the owner, want one per request", n)
	}
	if q := owner.get(comBulk + "/seat_requests"); q.Doc().Find(`[data-testid="seat-request"]`).Length() != 0 {
		t.Error("decided requests stay in the queue")
	}
	// Deciding again is a flash, not an error.
	r = owner.post(comBulk+"/seat_requests/assign", url.Values{"request_ids": {devReq}})
	wantStatus(t, r, http.StatusSeeOther)
}

func TestSeatRequestsAPI(t *testing.T) {
	t.Parallel()
	a := newSeatsAPI(t, models.GitLabCom)
	acme := a.acmeOwnedByOwner()
	a.mkMember(models.GroupSource(acme), a.users["dev"], models.Developer)
	start := models.Today().AddDays(-1)
	p, err := a.store.CreatePurchase(t.Context(), models.Automation, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		NamespaceID: &acme.ID, Quantity: 3, StartedAt: &start, ExpiresOn: models.Today().AddDays(30)})
	if err != nil {
		t.Fatal(err)
	}
	res := a.call(http.MethodPost, "/api/v4/user/duo/seat_requests", "dev", `{"note": "please"}`)
	if res.Status != http.StatusCreated || !strings.Contains(res.Raw, `"state":"pending"`) {
		t.Fatalf("request: %d %s", res.Status, res.Raw)
	}
	if res := a.call(http.MethodPost, "/api/v4/user/duo/seat_requests", "dev", `{"note": "again"}`); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("second request: %d %s", res.Status, res.Raw)
	}
	base := "/api/v4/add_on_purchases/" + strconv.FormatInt(p.ID, 10) + "/seat_requests"
	list := a.call(http.MethodGet, base, "owner", "")
	if list.Status != http.StatusOK || !strings.Contains(list.Raw, `"username":"dev"`) || list.Header.Get("X-Total") != "1" {
		t.Fatalf("queue: %d %s", list.Status, list.Raw)
	}
	if res := a.call(http.MethodGet, base, "dev", ""); res.Status != http.StatusNotFound {
		t.Errorf("a developer reads the queue: %d", res.Status)
	}
	id := strings.SplitN(strings.SplitN(list.Raw, `"id":`, 2)[1], ",", 2)[0]
	if res := a.call(http.MethodPost, base+"/"+id+"/approve", "owner", ""); res.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	if res := a.call(http.MethodPost, base+"/"+id+"/decline", "owner", `{"reason": "late"}`); res.Status != http.StatusNotFound {
		t.Errorf("decline after approve: %d %s", res.Status, res.Raw)
	}
}
