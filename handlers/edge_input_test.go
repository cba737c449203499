package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// Text that Postgres refuses (a NUL) or that is not UTF-8 is refused at
// the edge with a 400 that says why, on every kind of input, and on both
// databases alike; before, Postgres answered 500 wherever the text reached
// a query first.
func TestEdgeRefusesNULAndInvalidUTF8(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		a := newApp(t, store, models.SelfManaged)
		admin := a.as("admin")
		tok := a.duoToken("admin")
		ctx := context.Background()
		if _, err := a.store.CreateSubscription(ctx, models.Automation, models.SelfManaged, models.SubscriptionInput{Name: "A-S1",
			Plan: models.PlanUltimate, Seats: 50, StartsOn: models.Today().AddDays(-1), EndsOn: models.Today().AddDays(365)}); err != nil {
			t.Fatal(err)
		}
		p, err := a.store.CreatePurchase(ctx, models.Automation, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			Quantity: 5, ExpiresOn: models.Today().AddDays(30), PurchaseXID: "A-S1"})
		if err != nil {
			t.Fatal(err)
		}
		api := func(method, path, contentType, body string) *response {
			req, _ := http.NewRequest(method, a.http.URL+path, strings.NewReader(body))
			if body != "" {
				req.Header.Set("Content-Type", contentType)
			}
			req.Header.Set("PRIVATE-TOKEN", tok)
			return admin.do(req)
		}
		assignments := "/api/v4/add_on_purchases/" + strconv.FormatInt(p.ID, 10) + "/assignments"
		for name, send := range map[string]func() *response{
			"search box NUL":          func() *response { return admin.get("/admin/users?search=ad%00min") },
			"search box bad UTF-8":    func() *response { return admin.get("/admin/users?search=ad%FFmin") },
			"audit filter NUL":        func() *response { return admin.get("/admin/audit_events?actor_username=%00") },
			"group path NUL":          func() *response { return admin.get("/groups/ac%00me") },
			"project path bad UTF-8":  func() *response { return admin.get("/acme/ba%C3%28ckend") },
			"access API user= NUL":    func() *response { return api("GET", "/api/v4/duo/access?feature=code_suggestions&user=de%00v", "", "") },
			"bulk usernames JSON NUL": func() *response { return api("POST", assignments, "application/json", `{"usernames":["de\u0000v"]}`) },
			"bulk usernames raw NUL":  func() *response { return api("POST", assignments, "application/json", "{\"usernames\":[\"de\x00v\"]}") },
			"bulk usernames bad UTF-8": func() *response {
				return api("POST", assignments, "application/json", "{\"usernames\":[\"de\xffv\"]}")
			},
			// The body's declared type is the sender's word, not a fact: a
			// JSON body sent as a form is still checked as text.
			"JSON NUL escape sent as a form": func() *response {
				return api("POST", assignments, "application/x-www-form-urlencoded", `{"usernames":["dev\u0000"]}`)
			},
			"JSON NUL escape sent as a form to usage events": func() *response {
				return api("POST", "/api/v4/duo/usage_events", "application/x-www-form-urlencoded",
					`{"events":[{"id":"nul\u0000id","username":"dev","feature":"code_suggestions","occurred_at":"2026-11-01T00:00:00Z"}]}`)
			},
			"bad UTF-8 sent as a form": func() *response {
				return api("POST", assignments, "application/x-www-form-urlencoded", "{\"usernames\":[\"dev\xff\"]}")
			},
			"bulk usernames form NUL": func() *response {
				return api("POST", assignments, "application/x-www-form-urlencoded", "usernames[]=de%00v")
			},
			"form field bad UTF-8": func() *response {
				return admin.post("/admin/users", url.Values{"user[name]": {"N\xffo"}, "user[username]": {"nobody"}, "user[email]": {"n@example.com"}})
			},
			"sign-in NUL": func() *response {
				return a.client().post("/users/sign_in", url.Values{"user[login]": {"ad\x00min"}, "user[password]": {"x"}})
			},
		} {
			t.Run(name, func(t *testing.T) {
				res := send()
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400\n%s", res.StatusCode, snippet(res.Body))
				}
				if !strings.Contains(res.Body, "not valid UTF-8") {
					t.Errorf("the answer does not say what is wrong:\n%s", snippet(res.Body))
				}
				if strings.HasPrefix(res.Request.URL.Path, "/api/") {
					var m map[string]string
					if err := json.Unmarshal([]byte(res.Body), &m); err != nil || m["message"] == "" {
						t.Errorf("the API answered no JSON message: %s", res.Body)
					}
				}
			})
		}
		// Nothing was written by the refused requests.
		if n, err := a.store.CountUsers(ctx); err != nil || n.Total != 4 {
			t.Errorf("users %+v (%v), want the 4 of the harness", n, err)
		}
		// An escaped backslash before "u0000" is text, not a NUL.
		if res := api("POST", assignments, "application/json", `{"usernames":["de\\u0000v"]}`); res.StatusCode == http.StatusBadRequest &&
			strings.Contains(res.Body, "UTF-8") {
			t.Errorf("an escaped backslash was taken for a NUL: %s", res.Body)
		}
	})
}

// A page number so large that (page − 1) × per page overflows gives an
// empty page past the end, never the first page.
func TestHugePageNumberIsPastTheEnd(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.SelfManaged)
	admin := a.as("admin")
	// "+" in a query is a space: " 99999999999999999999" is still past the end.
	for _, page := range []string{"461168601842738792", "99999999999999999999999", "+99999999999999999999", "%2099999999999999999999"} {
		res := admin.get("/admin/users?page=" + page)
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.Body, "Dev Eloper") {
			t.Errorf("page=%s shows the first page's users", page)
		}
		res = admin.get("/admin/audit_events?page=" + page)
		wantStatus(t, res, http.StatusOK)
	}
	req, _ := http.NewRequest("GET", a.http.URL+"/api/v4/audit_events?page=461168601842738792", nil)
	req.Header.Set("PRIVATE-TOKEN", a.duoToken("admin"))
	res := admin.do(req)
	wantStatus(t, res, http.StatusOK)
	if strings.TrimSpace(res.Body) != "[]" {
		t.Errorf("API page past the end: %s", snippet(res.Body))
	}
}

// The CSRF token counts from the form body or the X-CSRF-Token header,
// never from the query string (where it would end up in logs and
// Referer headers).
func TestCSRFTokenNotFromQueryString(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.SQLite(t), models.SelfManaged)
	dev := a.as("dev")
	tok := dev.csrf()
	res := dev.postRaw("/users/sign_out?authenticity_token="+url.QueryEscape(tok), url.Values{})
	wantStatus(t, res, http.StatusForbidden)
	if res := dev.get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("the refused sign-out signed dev out: %d", res.StatusCode)
	}
	wantStatus(t, dev.postRaw("/users/sign_out", url.Values{"authenticity_token": {tok}}), http.StatusSeeOther)
}
