package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
)

const comMembers = "/groups/acme/-/group_members"

// Removing a member asks first and says which GitLab Duo seat they lose;
// Cancel goes back to the list's page; only the confirmed POST removes.
func TestRemoveMemberConfirmsAndNamesTheLostSeat(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	a.assign("dev", "pat")
	src := models.GroupSource(a.acme)
	dm := membership(t, a.app, src, a.users["dev"])
	c := a.as("owner")
	del := comMembers + "/" + strconv.FormatInt(dm.ID, 10) + "/delete"

	res := c.post(del, url.Values{"page": {"2"}})
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `h1`, "Remove member")
	wantText(t, res, `[data-testid="confirm-message"]`, "Are you sure you want to remove "+a.users["dev"].Name+" (@dev) from Acme?")
	wantText(t, res, `[data-testid="confirm-detail"]`, a.users["dev"].Name+" will lose their GitLab Duo Pro seat.")
	cancel := res.Doc().Find(`[data-testid="confirm-cancel"]`)
	if cancel.AttrOr("href", "") != comMembers+"?page=2" || cancel.Next().AttrOr("data-testid", "") != "confirm-submit" {
		t.Fatalf("Cancel %q is not on the left, back to page 2", cancel.AttrOr("href", ""))
	}
	wantText(t, res, `[data-testid="confirm-submit"]`, "Remove member")
	if membership(t, a.app, src, a.users["dev"]) == nil || !a.holders()["dev"] {
		t.Fatal("the confirmation page changed something")
	}
	form := res.Doc().Find(`[data-testid="confirm-form"]`)
	posted := url.Values{}
	form.Find(`input[type="hidden"]`).Each(func(_ int, in *goquery.Selection) {
		if n := in.AttrOr("name", ""); n != "authenticity_token" {
			posted.Add(n, in.AttrOr("value", ""))
		}
	})
	res = c.post(form.AttrOr("action", ""), posted)
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != comMembers+"?page=2" {
		t.Fatalf("Location %q", loc)
	}
	if membership(t, a.app, src, a.users["dev"]) != nil || a.holders()["dev"] {
		t.Fatal("the confirmed removal did not remove the member and their seat")
	}

	// A member who keeps their seat through another membership is not warned.
	platform, err := a.store.GroupByFullPath(t.Context(), "acme/platform")
	if err != nil {
		t.Fatal(err)
	}
	pat, err := a.store.UserByUsername(t.Context(), "pat")
	if err != nil {
		t.Fatal(err)
	}
	pm := a.mkMember(models.GroupSource(platform), pat, models.Guest)
	res = c.post("/groups/acme/platform/-/group_members/"+strconv.FormatInt(pm.ID, 10)+"/delete", nil)
	wantStatus(t, res, http.StatusOK)
	if res.Doc().Find(`[data-testid="confirm-detail"]`).Length() != 0 {
		t.Fatal("pat keeps the seat through the project, yet is warned")
	}
}
