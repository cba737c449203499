package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// seatsAPI is an app with tokens for the four harness users.
type seatsAPI struct {
	*app
	tok map[string]string
}

func newSeatsAPI(t *testing.T, d models.Deployment) *seatsAPI {
	t.Helper()
	a := newApp(t, storetest.Any(t), d)
	s := &seatsAPI{app: a, tok: map[string]string{"": ""}}
	for _, n := range []string{"admin", "support", "owner", "dev"} {
		s.tok[n] = a.duoToken(n)
	}
	return s
}

type apiRawRes struct {
	Status int
	Header http.Header
	Raw    string
}

// call sends a request as role (no token for ""), with body as JSON when
// it starts with "{" and as a form otherwise.
func (s *seatsAPI) call(method, path, role, body string) apiRawRes {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.http.URL+path, rd)
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if tok := s.tok[role]; tok != "" {
		req.Header.Set("PRIVATE-TOKEN", tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiRawRes{Status: res.StatusCode, Header: res.Header, Raw: string(b)}
}

// wantAPIJSON compares the body with want as JSON values (key order and
// number types aside).
func wantAPIJSON(t *testing.T, r apiRawRes, status int, want any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, snippet(r.Raw))
	}
	var got, exp any
	if err := json.Unmarshal([]byte(r.Raw), &got); err != nil {
		t.Fatalf("not JSON: %s", snippet(r.Raw))
	}
	b, _ := json.Marshal(want)
	_ = json.Unmarshal(b, &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("body\n%s\nwant\n%s", r.Raw, b)
	}
}

func apiSeatErr(code, m string) map[string]any { return map[string]any{"error": code, "message": m} }

func (s *seatsAPI) purchase(ns *models.Group, addOn models.AddOn, qty int, start *models.Date, expires models.Date, trial bool) *models.AddOnPurchase {
	s.t.Helper()
	in := models.PurchaseInput{AddOn: addOn, Quantity: qty, StartedAt: start, ExpiresOn: expires, Trial: trial, PurchaseXID: "A-S00012345"}
	d := models.SelfManaged
	if ns != nil {
		in.NamespaceID, d = &ns.ID, models.GitLabCom
	}
	p, err := s.store.CreatePurchase(context.Background(), models.ActorFor(s.users["admin"]), d, in)
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

func (s *seatsAPI) ultimateInstance() {
	s.t.Helper()
	if err := s.store.SetInstancePlan(context.Background(), models.ActorFor(s.users["admin"]), models.PlanUltimate); err != nil {
		s.t.Fatal(err)
	}
}

func (s *seatsAPI) assign(p *models.AddOnPurchase, users ...string) {
	s.t.Helper()
	for _, n := range users {
		if _, err := s.store.AssignSeat(context.Background(), models.ActorFor(s.users["admin"]), p.ID, s.users[n].ID); err != nil {
			s.t.Fatalf("assign %s: %v", n, err)
		}
	}
}

func (s *seatsAPI) holders(p *models.AddOnPurchase) []string {
	s.t.Helper()
	ids, err := s.store.SeatHolders(context.Background(), p.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, id := range ids {
		u, err := s.store.UserByID(context.Background(), id)
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, u.Username)
	}
	return out
}

func (s *seatsAPI) exec(q string, args ...any) {
	s.t.Helper()
	db, err := s.store.SQLDB()
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := db.Exec(q, args...); err != nil {
		s.t.Fatalf("%v\n%s", err, q)
	}
}

func (s *seatsAPI) auditCount(action string) int {
	s.t.Helper()
	evs, err := s.store.RecentAuditEvents(context.Background(), 100000)
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == action {
			n++
		}
	}
	return n
}

func TestAPIAddOnPurchasesSelfManaged(t *testing.T) {
	t.Parallel()
	s := newSeatsAPI(t, models.SelfManaged)
	s.ultimateInstance()
	today := models.Today()
	pro := s.purchase(nil, models.AddOnDuoPro, 5, nil, today.AddDays(300), false)
	start, end := today.AddDays(-70), today.AddDays(-10)
	ent := s.purchase(nil, models.AddOnDuoEnterprise, 3, &start, end, true)
	s.assign(pro, "dev", "owner")
	want := []map[string]any{
		{"id": ent.ID, "add_on": "duo_enterprise", "namespace": nil, "purchased_quantity": 3, "assigned_quantity": 0,
			"started_at": start.String(), "expires_on": end.String(), "trial": true, "active": false},
		{"id": pro.ID, "add_on": "duo_pro", "namespace": nil, "purchased_quantity": 5, "assigned_quantity": 2,
			"started_at": nil, "expires_on": today.AddDays(300).String(), "trial": false, "active": true},
	}
	const path = "/api/v4/add_on_purchases"
	wantAPIJSON(t, s.call("GET", path, "admin", ""), http.StatusOK, want)
	wantAPIJSON(t, s.call("GET", path, "support", ""), http.StatusOK, want)
	wantAPIJSON(t, s.call("GET", path, "owner", ""), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPIJSON(t, s.call("GET", path, "dev", ""), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPIJSON(t, s.call("GET", path, "", ""), http.StatusUnauthorized, apiMessage("401 Unauthorized"))

	// A group's purchases: on self-managed there are none.
	acme := s.acmeOwnedByOwner()
	wantAPIJSON(t, s.call("GET", path+"?namespace=acme", "owner", ""), http.StatusOK, []any{})
	wantAPIJSON(t, s.call("GET", path+"?namespace="+strconv.FormatInt(acme.ID, 10), "dev", ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPIJSON(t, s.call("GET", path+"?namespace=nope", "admin", ""), http.StatusNotFound, apiMessage("404 Not Found"))
}

func TestAPIAddOnPurchasesGitLabCom(t *testing.T) {
	t.Parallel()
	s := newSeatsAPI(t, models.GitLabCom)
	acme := s.acmeOwnedByOwner()
	sub := s.mkGroup(acme, "sub", "Sub", "")
	s.mkMember(models.GroupSource(sub), s.users["dev"], models.Developer)
	other := s.mkGroup(nil, "other", "Other", models.PlanPremium)
	today := models.Today()
	pro := s.purchase(acme, models.AddOnDuoPro, 10, &today, today.AddDays(365), false)
	s.purchase(other, models.AddOnDuoPro, 1, nil, today.AddDays(30), false)
	s.assign(pro, "owner", "dev")
	want := []map[string]any{{"id": pro.ID, "add_on": "duo_pro", "namespace": "acme", "purchased_quantity": 10,
		"assigned_quantity": 2, "started_at": today.String(), "expires_on": today.AddDays(365).String(), "trial": false, "active": true}}
	const path = "/api/v4/add_on_purchases"
	for _, role := range []string{"owner", "admin", "support"} {
		wantAPIJSON(t, s.call("GET", path+"?namespace=acme", role, ""), http.StatusOK, want)
	}
	wantAPIJSON(t, s.call("GET", path+"?namespace="+strconv.FormatInt(acme.ID, 10), "owner", ""), http.StatusOK, want)
	wantAPIJSON(t, s.call("GET", path+"?namespace=acme", "dev", ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPIJSON(t, s.call("GET", path+"?namespace=other", "owner", ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPIJSON(t, s.call("GET", path+"?namespace="+url.QueryEscape("acme/sub"), "owner", ""), http.StatusBadRequest,
		apiMessage("namespace must be a top-level group"))
	wantAPIJSON(t, s.call("GET", path, "admin", ""), http.StatusBadRequest, apiMessage("namespace is missing"))
	wantAPIJSON(t, s.call("GET", path+"?namespace=acme", "", ""), http.StatusUnauthorized, apiMessage("401 Unauthorized"))
}

// apiEligibleWorld: self-managed Ultimate, a Duo Pro purchase of 10, and five
// "zed" users with activity dates for the sorts, plus a blocked and a bot
// one who are not eligible.
func apiEligibleWorld(t *testing.T) (*seatsAPI, *models.AddOnPurchase) {
	s := newSeatsAPI(t, models.SelfManaged)
	s.ultimateInstance()
	p := s.purchase(nil, models.AddOnDuoPro, 10, nil, models.Today().AddDays(100), false)
	activity := []string{"2024-01-05", "2024-01-03", "", "2024-01-04", "2024-01-01"}
	duo := []string{"", "2024-02-02", "2024-02-03", "2024-02-01", ""}
	for i := 1; i <= 5; i++ {
		n := fmt.Sprintf("zed%02d", i)
		s.users[n] = s.mustUser(models.UserInput{Username: n, Name: fmt.Sprintf("Zed %02d", i), Email: n + "@example.com", PublicEmail: i == 1})
		if d := activity[i-1]; d != "" {
			s.exec("UPDATE users SET last_activity_on = $1 WHERE id = $2", d, s.users[n].ID)
		}
		if d := duo[i-1]; d != "" {
			s.exec("UPDATE users SET last_duo_activity_on = $1 WHERE id = $2", d, s.users[n].ID)
		}
	}
	s.users["zedbot"] = s.mustUser(models.UserInput{Username: "zedbot", Name: "Zed Bot", Email: "zedbot@example.com", Bot: true})
	s.users["zedblocked"] = s.mustUser(models.UserInput{Username: "zedblocked", Name: "Zed Blocked", Email: "zedblocked@example.com"})
	if _, err := s.store.SetUserState(context.Background(), models.ActorFor(s.users["admin"]), s.users["zedblocked"].ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	return s, p
}

func apiUsernames(t *testing.T, r apiRawRes) []string {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, snippet(r.Raw))
	}
	var rows []struct{ Username string }
	if err := json.Unmarshal([]byte(r.Raw), &rows); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, row := range rows {
		out = append(out, row.Username)
	}
	return out
}

func TestAPIEligibleUsersFields(t *testing.T) {
	t.Parallel()
	s, p := apiEligibleWorld(t)
	acme := s.acmeOwnedByOwner()
	s.mkMember(models.GroupSource(acme), s.users["dev"], models.Developer)
	s.assign(p, "zed01")
	at := time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC)
	s.exec("UPDATE seat_assignments SET created_at = $1 WHERE user_id = $2", at, s.users["zed01"].ID)
	path := fmt.Sprintf("/api/v4/add_on_purchases/%d/eligible_users", p.ID)

	wantAPIJSON(t, s.call("GET", path+"?search=zed01", "admin", ""), http.StatusOK, []map[string]any{{
		"id": s.users["zed01"].ID, "username": "zed01", "name": "Zed 01", "email": "zed01@example.com", "state": "active",
		"max_role": nil, "assigned": true, "assigned_at": "2024-05-06T07:08:09.123Z", "last_activity_on": "2024-01-05",
		"last_duo_activity_on": nil, "invite": nil}})
	// A private email is not shown; the highest membership is the max role.
	wantAPIJSON(t, s.call("GET", path+"?search=Eloper", "support", ""), http.StatusOK, []map[string]any{{
		"id": s.users["dev"].ID, "username": "dev", "name": "Dev Eloper", "email": nil, "state": "active",
		"max_role": "developer", "assigned": false, "assigned_at": nil, "last_activity_on": nil,
		"last_duo_activity_on": nil, "invite": nil}})
	if got := apiUsernames(t, s.call("GET", path+"?assigned=true", "admin", "")); !reflect.DeepEqual(got, []string{"zed01"}) {
		t.Fatalf("assigned=true: %v", got)
	}
	if got := apiUsernames(t, s.call("GET", path+"?assigned=false&search=zed", "admin", "")); !reflect.DeepEqual(got, []string{"zed02", "zed03", "zed04", "zed05"}) {
		t.Fatalf("assigned=false: %v", got)
	}
	// Self-managed: every active human, by id; no bot, no blocked user.
	if got := apiUsernames(t, s.call("GET", path, "admin", "")); !reflect.DeepEqual(got,
		[]string{"admin", "support", "owner", "dev", "zed01", "zed02", "zed03", "zed04", "zed05"}) {
		t.Fatalf("default list: %v", got)
	}
}

func TestAPIEligibleUsersSortsAndErrors(t *testing.T) {
	t.Parallel()
	s, p := apiEligibleWorld(t)
	path := fmt.Sprintf("/api/v4/add_on_purchases/%d/eligible_users", p.ID)
	for sort, want := range map[string][]string{
		"":                          {"zed01", "zed02", "zed03", "zed04", "zed05"},
		"id_asc":                    {"zed01", "zed02", "zed03", "zed04", "zed05"},
		"name_asc":                  {"zed01", "zed02", "zed03", "zed04", "zed05"},
		"name_desc":                 {"zed05", "zed04", "zed03", "zed02", "zed01"},
		"last_activity_on_asc":      {"zed03", "zed05", "zed02", "zed04", "zed01"},
		"last_activity_on_desc":     {"zed01", "zed04", "zed02", "zed05", "zed03"},
		"last_duo_activity_on_asc":  {"zed01", "zed05", "zed04", "zed02", "zed03"},
		"last_duo_activity_on_desc": {"zed03", "zed02", "zed04", "zed05", "zed01"},
	} {
		if got := apiUsernames(t, s.call("GET", path+"?search=zed&sort="+sort, "admin", "")); !reflect.DeepEqual(got, want) {
			t.Errorf("sort %q: %v, want %v", sort, got, want)
		}
	}
	for q, m := range map[string]string{
		"search=ze":       "search must be at least 3 characters",
		"search=%20z%20":  "search must be at least 3 characters",
		"sort=oldest":     "sort must be one of id_asc, id_desc, last_activity_on_asc, last_activity_on_desc, last_duo_activity_on_asc, last_duo_activity_on_desc, name_asc, name_desc",
		"assigned=maybe":  "assigned must be true or false",
		"page=two":        "page is invalid",
		"per_page=plenty": "per_page is invalid",
	} {
		wantAPIJSON(t, s.call("GET", path+"?"+q, "admin", ""), http.StatusBadRequest, apiMessage(m))
	}
	// A purchase of the instance is the admin area's: GitLab's instance
	// endpoints answer others 403.
	wantAPIJSON(t, s.call("GET", path, "owner", ""), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPIJSON(t, s.call("GET", path, "", ""), http.StatusUnauthorized, apiMessage("401 Unauthorized"))
	wantAPIJSON(t, s.call("GET", "/api/v4/add_on_purchases/999999/eligible_users", "admin", ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPIJSON(t, s.call("GET", "/api/v4/add_on_purchases/abc/eligible_users", "admin", ""), http.StatusNotFound, apiMessage("404 Not Found"))
}

func TestAPIEligibleUsersPagination(t *testing.T) {
	t.Parallel()
	s, p := apiEligibleWorld(t)
	path := fmt.Sprintf("/api/v4/add_on_purchases/%d/eligible_users", p.ID)
	base := s.http.URL + path
	link := func(page, rel string) string {
		return "<" + base + "?page=" + page + "&per_page=2&search=zed&sort=name_desc>; rel=\"" + rel + "\""
	}
	headers := func(r apiRawRes) map[string]string {
		out := map[string]string{}
		for _, h := range []string{"X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page", "Link"} {
			vals, ok := r.Header[h]
			if !ok || len(vals) != 1 {
				t.Fatalf("header %s: %q", h, vals)
			}
			out[h] = vals[0]
		}
		return out
	}
	for _, tc := range []struct {
		page  string
		users []string
		want  map[string]string
	}{
		{"1", []string{"zed05", "zed04"}, map[string]string{"X-Total": "5", "X-Total-Pages": "3", "X-Page": "1", "X-Per-Page": "2",
			"X-Next-Page": "2", "X-Prev-Page": "", "Link": link("2", "next") + ", " + link("1", "first") + ", " + link("3", "last")}},
		{"2", []string{"zed03", "zed02"}, map[string]string{"X-Total": "5", "X-Total-Pages": "3", "X-Page": "2", "X-Per-Page": "2",
			"X-Next-Page": "3", "X-Prev-Page": "1", "Link": link("1", "prev") + ", " + link("3", "next") + ", " + link("1", "first") + ", " + link("3", "last")}},
		{"3", []string{"zed01"}, map[string]string{"X-Total": "5", "X-Total-Pages": "3", "X-Page": "3", "X-Per-Page": "2",
			"X-Next-Page": "", "X-Prev-Page": "2", "Link": link("2", "prev") + ", " + link("1", "first") + ", " + link("3", "last")}},
		{"9", []string{}, map[string]string{"X-Total": "5", "X-Total-Pages": "3", "X-Page": "9", "X-Per-Page": "2",
			"X-Next-Page": "", "X-Prev-Page": "", "Link": link("1", "first") + ", " + link("3", "last")}},
	} {
		r := s.call("GET", path+"?sort=name_desc&search=zed&per_page=2&page="+tc.page, "admin", "")
		if got := apiUsernames(t, r); !reflect.DeepEqual(got, tc.users) {
			t.Fatalf("page %s: %v, want %v", tc.page, got, tc.users)
		}
		if got := headers(r); !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("page %s headers:\n%v\nwant\n%v", tc.page, got, tc.want)
		}
	}
	// per_page defaults to 20 and is clamped to 100; page 0 is page 1.
	for q, want := range map[string]string{"": "20", "per_page=0": "20", "per_page=500": "100", "per_page=100": "100", "per_page=3&page=0": "3"} {
		r := s.call("GET", path+"?"+q, "admin", "")
		h := headers(r)
		if h["X-Per-Page"] != want || h["X-Page"] != "1" || h["X-Total"] != "9" {
			t.Fatalf("%q: %v", q, h)
		}
	}
	h := headers(s.call("GET", path+"?per_page=500", "admin", ""))
	if h["Link"] != "<"+base+"?page=1&per_page=100>; rel=\"first\", <"+base+"?page=1&per_page=100>; rel=\"last\"" {
		t.Fatalf("Link %s", h["Link"])
	}
}

// apiComSeats: GitLab.com, acme (Ultimate, owner its Owner) > sub (dev a
// Developer) > project p (projguest a Guest); partners (partner a
// Developer, as the link) invited into sub; other (Premium) with its own purchase.
func apiComSeats(t *testing.T) (*seatsAPI, *models.AddOnPurchase, *models.AddOnPurchase) {
	s := newSeatsAPI(t, models.GitLabCom)
	ctx := context.Background()
	actor := models.ActorFor(s.users["admin"])
	acme := s.acmeOwnedByOwner()
	sub := s.mkGroup(acme, "sub", "Sub", "")
	proj := s.mkProject(sub, "p", "P")
	partners := s.mkGroup(nil, "partners", "Partners", models.PlanFree)
	other := s.mkGroup(nil, "other", "Other", models.PlanPremium)
	for _, n := range []string{"projguest", "partner", "outsider"} {
		s.users[n] = s.mustUser(models.UserInput{Username: n, Name: strings.ToUpper(n[:1]) + n[1:], Email: n + "@example.com"})
	}
	s.mkMember(models.GroupSource(sub), s.users["dev"], models.Developer)
	s.mkMember(models.ProjectSource(proj, sub), s.users["projguest"], models.Guest)
	s.mkMember(models.GroupSource(partners), s.users["partner"], models.Developer)
	s.mkMember(models.GroupSource(other), s.users["outsider"], models.Owner)
	if err := s.store.CreateGroupLink(ctx, actor, sub, partners, models.Developer); err != nil {
		t.Fatal(err)
	}
	today := models.Today()
	return s, s.purchase(acme, models.AddOnDuoEnterprise, 2, nil, today.AddDays(30), false),
		s.purchase(other, models.AddOnDuoPro, 2, nil, today.AddDays(30), false)
}

func TestAPIEligibleUsersGitLabCom(t *testing.T) {
	t.Parallel()
	s, p, otherP := apiComSeats(t)
	path := fmt.Sprintf("/api/v4/add_on_purchases/%d/eligible_users", p.ID)
	row := func(name, role string, invite any) map[string]any {
		return map[string]any{"id": s.users[name].ID, "username": name, "name": s.users[name].Name, "email": nil, "state": "active",
			"max_role": role, "assigned": false, "assigned_at": nil, "last_activity_on": nil, "last_duo_activity_on": nil, "invite": invite}
	}
	want := []map[string]any{row("owner", "owner", nil), row("dev", "developer", nil),
		row("projguest", "guest", "project_invite"), row("partner", "developer", "group_invite")}
	for _, role := range []string{"owner", "admin", "support"} {
		wantAPIJSON(t, s.call("GET", path, role, ""), http.StatusOK, want)
	}
	wantAPIJSON(t, s.call("GET", path, "dev", ""), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPIJSON(t, s.call("GET", fmt.Sprintf("/api/v4/add_on_purchases/%d/eligible_users", otherP.ID), "owner", ""),
		http.StatusNotFound, apiMessage("404 Not Found"))

	// The owner assigns; support reads only; the other group's owner
	// cannot touch acme's seats; nor can acme's owner touch theirs.
	assignments := fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", p.ID)
	wantAPIJSON(t, s.call("POST", assignments, "support", `{"usernames":["partner"]}`), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPIJSON(t, s.call("POST", assignments, "dev", `{"usernames":["partner"]}`), http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPIJSON(t, s.call("POST", fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", otherP.ID), "owner", `{"usernames":["outsider"]}`),
		http.StatusNotFound, apiMessage("404 Not Found"))
	wantAPIJSON(t, s.call("POST", assignments, "owner", `{"usernames":["outsider"]}`), http.StatusUnprocessableEntity,
		apiSeatErr("INVALID_USER_ID_PRESENT", "One or more users are not eligible for a seat or do not exist."))
	wantAPIJSON(t, s.call("POST", assignments, "owner", `{"usernames":["partner","projguest","dev"]}`), http.StatusUnprocessableEntity,
		apiSeatErr("NOT_ENOUGH_SEATS", "There are not enough seats to assign the GitLab Duo add-on to all selected members."))
	wantAPIJSON(t, s.call("POST", assignments, "owner", `{"usernames":["partner","projguest"]}`), http.StatusOK, map[string]any{
		"users":             []map[string]any{{"id": s.users["partner"].ID, "username": "partner"}, {"id": s.users["projguest"].ID, "username": "projguest"}},
		"assigned_quantity": 2})
	if got := s.holders(p); len(got) != 2 {
		t.Fatalf("holders %v", got)
	}
	if got := apiUsernames(t, s.call("GET", path+"?assigned=true", "owner", "")); !reflect.DeepEqual(got, []string{"projguest", "partner"}) {
		t.Fatalf("assigned: %v", got)
	}
	if s.holders(otherP) != nil {
		t.Fatal("the other group's purchase changed")
	}
}

func TestAPIAssignmentsSelfManaged(t *testing.T) {
	t.Parallel()
	s := newSeatsAPI(t, models.SelfManaged)
	s.ultimateInstance()
	p := s.purchase(nil, models.AddOnDuoPro, 3, nil, models.Today().AddDays(100), false)
	s.users["blocked"] = s.mustUser(models.UserInput{Username: "blocked", Name: "Blocked", Email: "blocked@example.com"})
	if _, err := s.store.SetUserState(context.Background(), models.ActorFor(s.users["admin"]), s.users["blocked"].ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", p.ID)
	ref := func(names ...string) []map[string]any {
		out := []map[string]any{}
		for _, n := range names {
			out = append(out, map[string]any{"id": s.users[n].ID, "username": n})
		}
		return out
	}
	ids := func(names ...string) string {
		var parts []string
		for _, n := range names {
			parts = append(parts, strconv.FormatInt(s.users[n].ID, 10))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}

	// Usernames match case-insensitively and repeats count once; users
	// come back as stored, in request order.
	wantAPIJSON(t, s.call("POST", path, "admin", `{"usernames":["dev","OWNER","dev"]}`), http.StatusOK,
		map[string]any{"users": ref("dev", "owner"), "assigned_quantity": 2})
	ev := wantAudit(t, s.app, "seats_assigned", p.AddOn.Title(), "admin")
	if !strings.Contains(ev.Details, fmt.Sprintf(`"add_on_purchase_id":%d`, p.ID)) || !strings.Contains(ev.Details, `"count":2`) || !strings.Contains(ev.Details, `"reason":"api"`) {
		t.Fatalf("audit details %s", ev.Details)
	}
	// Already assigned counts as success.
	wantAPIJSON(t, s.call("POST", path, "admin", `{"user_ids":`+ids("dev", "support")+`}`), http.StatusOK,
		map[string]any{"users": ref("dev", "support"), "assigned_quantity": 3})

	before := s.auditCount("seats_assigned")
	wantAPIJSON(t, s.call("POST", path, "admin", `{"user_ids":`+ids("admin")+`}`), http.StatusUnprocessableEntity,
		apiSeatErr("NOT_ENOUGH_SEATS", "There are not enough seats to assign the GitLab Duo add-on to all selected members."))
	wantAPIJSON(t, s.call("DELETE", path, "admin", `{"usernames":["support"]}`), http.StatusOK,
		map[string]any{"users": ref("support"), "assigned_quantity": 2})
	for _, body := range []string{`{"usernames":["admin","ghost"]}`, `{"usernames":["admin","blocked"]}`, `{"user_ids":[999999]}`} {
		wantAPIJSON(t, s.call("POST", path, "admin", body), http.StatusUnprocessableEntity,
			apiSeatErr("INVALID_USER_ID_PRESENT", "One or more users are not eligible for a seat or do not exist."))
	}
	if got := s.holders(p); !reflect.DeepEqual(got, []string{"owner", "dev"}) && !reflect.DeepEqual(got, []string{"dev", "owner"}) {
		t.Fatalf("holders after rejected requests: %v", got)
	}
	if s.auditCount("seats_assigned") != before {
		t.Fatal("a rejected request wrote audit events")
	}

	// Removal: unknown users reject the whole request; nobody holding a
	// seat is NO_ASSIGNMENTS_FOUND; otherwise those who hold one lose it.
	wantAPIJSON(t, s.call("DELETE", path, "admin", `{"usernames":["dev","ghost"]}`), http.StatusUnprocessableEntity,
		apiSeatErr("INVALID_USER_ID_PRESENT", "One or more users are not eligible for a seat or do not exist."))
	wantAPIJSON(t, s.call("DELETE", path, "admin", `{"usernames":["admin","support"]}`), http.StatusUnprocessableEntity,
		apiSeatErr("NO_ASSIGNMENTS_FOUND", "None of the users has a GitLab Duo seat."))
	wantAPIJSON(t, s.call("DELETE", path, "admin", `{"user_ids":`+ids("dev", "admin")+`}`), http.StatusOK,
		map[string]any{"users": ref("dev", "admin"), "assigned_quantity": 1})
	if ev := wantAudit(t, s.app, "seats_unassigned", p.AddOn.Title(), "admin"); !strings.Contains(ev.Details, `"count":1`) {
		t.Fatalf("removal audited as %s", ev.Details)
	}
	if got := s.holders(p); !reflect.DeepEqual(got, []string{"owner"}) {
		t.Fatalf("holders %v", got)
	}

	// Form and query parameters, as GitLab's API accepts them.
	wantAPIJSON(t, s.call("POST", path, "admin", "usernames[]=dev&usernames[]=support"), http.StatusOK,
		map[string]any{"users": ref("dev", "support"), "assigned_quantity": 3})
	wantAPIJSON(t, s.call("DELETE", path+"?user_ids[]="+strconv.FormatInt(s.users["dev"].ID, 10), "admin", ""), http.StatusOK,
		map[string]any{"users": ref("dev"), "assigned_quantity": 2})
	wantAPIJSON(t, s.call("DELETE", path, "admin", "usernames=support"), http.StatusOK,
		map[string]any{"users": ref("support"), "assigned_quantity": 1})
	wantAPIJSON(t, s.call("POST", path+"?usernames[]=dev", "admin", "usernames[]=support"), http.StatusOK,
		map[string]any{"users": ref("dev", "support"), "assigned_quantity": 3})
	wantAPIJSON(t, s.call("DELETE", path, "admin", "user_ids="+strconv.FormatInt(s.users["support"].ID, 10)), http.StatusOK,
		map[string]any{"users": ref("support"), "assigned_quantity": 2})

	for body, m := range map[string]string{
		`{}`:                                   "usernames, user_ids are missing, exactly one parameter must be provided",
		`{"usernames":null}`:                   "usernames, user_ids are missing, exactly one parameter must be provided",
		`{"usernames":["dev"],"user_ids":[1]}`: "usernames, user_ids are mutually exclusive",
		`{"usernames":[]}`:                     "usernames is empty",
		`{"user_ids":[]}`:                      "user_ids is empty",
		`{"usernames":"dev"}`:                  "usernames is invalid",
		`{"user_ids":["x"]}`:                   "user_ids is invalid",
		`{"user_ids":[1.5]}`:                   "user_ids is invalid",
		`{"usernames":`:                        "The request body must be a JSON object",
		`[1,2]`:                                "usernames, user_ids are missing, exactly one parameter must be provided",
		"user_ids=abc":                         "user_ids is invalid",
		"usernames=":                           "usernames is empty",
	} {
		wantAPIJSON(t, s.call("POST", path, "admin", body), http.StatusBadRequest, apiMessage(m))
	}

	// Auditors read, never change; others are refused the instance's seats.
	wantAPIJSON(t, s.call("POST", path, "support", `{"usernames":["admin"]}`), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPIJSON(t, s.call("DELETE", path, "support", `{"usernames":["owner"]}`), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPIJSON(t, s.call("POST", path, "owner", `{"usernames":["admin"]}`), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPIJSON(t, s.call("DELETE", path, "dev", `{"usernames":["owner"]}`), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPIJSON(t, s.call("POST", path, "", `{"usernames":["admin"]}`), http.StatusUnauthorized, apiMessage("401 Unauthorized"))
	wantAPIJSON(t, s.call("POST", "/api/v4/add_on_purchases/999999/assignments", "admin", `{"usernames":["admin"]}`),
		http.StatusNotFound, apiMessage("404 Not Found"))
	if got := s.holders(p); len(got) != 2 {
		t.Fatalf("holders after denied requests: %v", got)
	}
}

func TestAPIAssignmentsOnExpiredPurchase(t *testing.T) {
	t.Parallel()
	s := newSeatsAPI(t, models.SelfManaged)
	s.ultimateInstance()
	p := s.purchase(nil, models.AddOnDuoPro, 3, nil, models.Today().AddDays(10), false)
	s.assign(p, "dev")
	s.exec("UPDATE add_on_purchases SET expires_on = $1 WHERE id = $2", models.Today(), p.ID)
	path := fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", p.ID)
	wantAPIJSON(t, s.call("POST", path, "admin", `{"usernames":["owner"]}`), http.StatusUnprocessableEntity,
		apiSeatErr("PURCHASE_NOT_ACTIVE", "The GitLab Duo add-on purchase is not active."))
	// Seats kept through the grace period can still be removed.
	wantAPIJSON(t, s.call("DELETE", path, "admin", `{"usernames":["dev"]}`), http.StatusOK,
		map[string]any{"users": []map[string]any{{"id": s.users["dev"].ID, "username": "dev"}}, "assigned_quantity": 0})
}

// TestAPIAssignTenThousand: one request assigns 10,000 users by username
// (no 50-user cap), and one removes them by id.
func TestAPIAssignTenThousand(t *testing.T) {
	t.Parallel()
	const n = 10000
	s := newSeatsAPI(t, models.SelfManaged)
	s.ultimateInstance()
	p := s.purchase(nil, models.AddOnDuoPro, n, nil, models.Today().AddDays(100), false)
	var values, names []string
	for i := 1; i <= n; i++ {
		u := fmt.Sprintf("bulk%05d", i)
		values = append(values, fmt.Sprintf("('%s', 'Bulk %05d', '%s@example.com')", u, i, u))
		names = append(names, strconv.Quote(strings.ToUpper(u)))
	}
	s.exec("INSERT INTO users (username, name, email) VALUES " + strings.Join(values, ", "))
	body := `{"usernames":[` + strings.Join(names, ",") + `]}`
	if len(body) < 100_000 {
		t.Fatalf("body of %d bytes, want a realistic 10,000-name body", len(body))
	}
	started := time.Now()
	r := s.call("POST", fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", p.ID), "admin", body)
	t.Logf("POST of %d usernames (%d KB): %v", n, len(body)/1024, time.Since(started))
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, snippet(r.Raw))
	}
	var res struct {
		Users []struct {
			ID       int64
			Username string
		}
		AssignedQuantity int64 `json:"assigned_quantity"`
	}
	if err := json.Unmarshal([]byte(r.Raw), &res); err != nil {
		t.Fatal(err)
	}
	if res.AssignedQuantity != n || len(res.Users) != n || res.Users[0].Username != "bulk00001" || res.Users[n-1].Username != "bulk10000" {
		t.Fatalf("assigned %d, %d users", res.AssignedQuantity, len(res.Users))
	}
	count, err := s.store.AssignedCount(context.Background(), p.ID)
	if err != nil || count != n {
		t.Fatalf("assigned in the database: %d, %v", count, err)
	}
	ids := make([]string, n)
	for i, u := range res.Users {
		ids[i] = strconv.FormatInt(u.ID, 10)
	}
	started = time.Now()
	r = s.call("DELETE", fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", p.ID), "admin", `{"user_ids":[`+strings.Join(ids, ",")+`]}`)
	t.Logf("DELETE of %d user ids: %v", n, time.Since(started))
	res.Users, res.AssignedQuantity = nil, -1
	if err := json.Unmarshal([]byte(r.Raw), &res); r.Status != http.StatusOK || err != nil || res.AssignedQuantity != 0 || len(res.Users) != n {
		t.Fatalf("status %d: %s", r.Status, snippet(r.Raw))
	}
	if count, err := s.store.AssignedCount(context.Background(), p.ID); err != nil || count != 0 {
		t.Fatalf("assigned in the database after removal: %d, %v", count, err)
	}
}
