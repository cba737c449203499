package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
)

// rowUsernames lists the usernames of the rows of the users table.
func adminUsersRows(r *response) []string {
	var out []string
	r.Doc().Find(`[data-testid="user-row"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("data-username", ""))
	})
	return out
}

// auditEvent finds the newest event of action about the user named target.
func adminUsersAudit(a *app, action, target string) *models.AuditEvent {
	a.t.Helper()
	evs, err := a.store.RecentAuditEvents(context.Background(), 50)
	if err != nil {
		a.t.Fatal(err)
	}
	for i := range evs {
		if evs[i].Action == action && evs[i].TargetName == target {
			return &evs[i]
		}
	}
	return nil
}

func adminUsersAuditCount(a *app) int {
	a.t.Helper()
	evs, err := a.store.RecentAuditEvents(context.Background(), 1000)
	if err != nil {
		a.t.Fatal(err)
	}
	return len(evs)
}

func adminUsersGet(a *app, username string) *models.User {
	a.t.Helper()
	u, err := a.store.UserByUsername(context.Background(), username)
	if err != nil {
		a.t.Fatalf("user %s: %v", username, err)
	}
	return u
}

func adminUsersSetState(a *app, username string, st models.UserState) {
	a.t.Helper()
	if _, err := a.store.SetUserState(context.Background(), models.Automation, adminUsersGet(a, username).ID, st); err != nil {
		a.t.Fatal(err)
	}
}

func adminUsersForm(name, username, email, level string) url.Values {
	return url.Values{"user[name]": {name}, "user[username]": {username}, "user[email]": {email}, "user[access_level]": {level}}
}

func TestAdminUsersListSearchFilterAndPagination(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for i := 1; i <= 30; i++ {
		a.mustUser(models.UserInput{Username: fmt.Sprintf("zeta%02d", i), Name: fmt.Sprintf("Zeta Person %02d", i),
			Email: fmt.Sprintf("zeta%02d@example.org", i)})
		if i <= 25 {
			adminUsersSetState(a, fmt.Sprintf("zeta%02d", i), models.StateBlocked)
		}
	}
	c := a.as("admin")

	res := c.get("/admin/users?search=zeta&state=blocked")
	wantStatus(t, res, http.StatusOK)
	rows := adminUsersRows(res)
	if len(rows) != 20 || rows[0] != "zeta01" {
		t.Fatalf("page 1 rows: %v", rows)
	}
	if n := res.Doc().Find(`[data-testid="user-row"]:contains("Blocked")`).Length(); n != 20 {
		t.Fatalf("%d rows show the Blocked badge, want 20", n)
	}
	if got := res.Text(`[data-testid="tab-Blocked"].active`); !strings.HasPrefix(got, "Blocked") {
		t.Fatalf("Blocked tab not active: %q", got)
	}
	next, _ := res.Doc().Find(`[data-testid="pagination"] a[rel="next"]`).Attr("href")
	nu, err := url.Parse(next)
	if err != nil || nu.Path != "/admin/users" || nu.Query().Get("search") != "zeta" || nu.Query().Get("state") != "blocked" ||
		nu.Query().Get("page") != "2" {
		t.Fatalf("Next link %q must keep search and state", next)
	}
	page2 := c.get(next)
	wantStatus(t, page2, http.StatusOK)
	if rows := adminUsersRows(page2); len(rows) != 5 || rows[0] != "zeta21" || rows[4] != "zeta25" {
		t.Fatalf("page 2 rows: %v", rows)
	}
	if v, _ := page2.Doc().Find(`[data-testid="user-search"] input[name="state"]`).Attr("value"); v != "blocked" {
		t.Fatalf("search form drops the state filter: %q", v)
	}

	// Search matches username, name and email, case-insensitively, in every state.
	for q, want := range map[string]string{"ZETA07@EXAMPLE.ORG": "zeta07", "person 26": "zeta26", "zeta30": "zeta30"} {
		if rows := adminUsersRows(c.get("/admin/users?search=" + url.QueryEscape(q))); len(rows) != 1 || rows[0] != want {
			t.Errorf("search %q: %v, want [%s]", q, rows, want)
		}
	}
	if rows := adminUsersRows(c.get("/admin/users?search=zeta&state=active")); len(rows) != 5 || rows[0] != "zeta26" {
		t.Fatalf("active zeta users: %v", rows)
	}
	if rows := adminUsersRows(c.get("/admin/users?role=admins")); len(rows) != 1 || rows[0] != "admin" {
		t.Fatalf("admins: %v", rows)
	}
	if rows := adminUsersRows(c.get("/admin/users?role=auditors")); len(rows) != 1 || rows[0] != "support" {
		t.Fatalf("auditors: %v", rows)
	}
	wide := c.get("/admin/users?search=zeta&per_page=50")
	if rows := adminUsersRows(wide); len(rows) != 30 {
		t.Fatalf("per_page=50 shows %d rows", len(rows))
	}
	if wide.Doc().Find(`[data-testid="pagination"]`).Length() != 0 {
		t.Fatal("one page needs no pagination")
	}
	empty := c.get("/admin/users?search=nobody-like-this")
	wantStatus(t, empty, http.StatusOK)
	if got := empty.Text(`[data-testid="users-empty"]`); got != "No users found" {
		t.Fatalf("empty state %q", got)
	}

	all := c.get("/admin/users?per_page=100")
	row := all.Doc().Find(`[data-testid="user-row"][data-username="admin"]`)
	if !strings.Contains(row.Text(), "Admin") || !strings.Contains(row.Text(), "It's you!") || !strings.Contains(row.Text(), "@admin") {
		t.Fatalf("admin row: %q", row.Text())
	}
	if got := strings.TrimSpace(row.Find(`[data-testid="user-last-activity"]`).Text()); got == "Never" || got == "" {
		t.Fatalf("admin signed in, last activity %q", got)
	}
	if got := strings.TrimSpace(all.Doc().Find(`[data-testid="user-row"][data-username="zeta30"] [data-testid="user-last-activity"]`).Text()); got != "Never" {
		t.Fatalf("zeta30 last activity %q", got)
	}
	if href, _ := all.Doc().Find(`[data-testid="new-user"]`).Attr("href"); href != "/admin/users/new" {
		t.Fatalf("New user links to %q", href)
	}
}

func TestAdminUserCreate(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	form := c.get("/admin/users/new")
	wantStatus(t, form, http.StatusOK)
	if form.Doc().Find(`#user_access_level_regular[checked]`).Length() != 1 {
		t.Fatal("a new user is Regular by default")
	}
	if form.Doc().Find(`form[data-testid="user-form"] fieldset[disabled]`).Length() != 0 {
		t.Fatal("the form is disabled for an admin")
	}

	f := adminUsersForm("New Person", "newbie", "newbie@example.com", "auditor")
	f.Set("user[public_email]", "1")
	f.Set("user[password]", testPassword)
	res := c.post("/admin/users", f)
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin/users/newbie" {
		t.Fatalf("Location %q", loc)
	}
	page := c.follow(res)
	if got := page.Flash(); got != "User was successfully created." {
		t.Fatalf("flash %q", got)
	}
	if got := page.Text(`[data-testid="account-access-level"]`); got != "Auditor" {
		t.Fatalf("access level shown %q", got)
	}
	u := adminUsersGet(a, "newbie")
	if u.Name != "New Person" || u.Email != "newbie@example.com" || !u.PublicEmail || !u.Auditor || u.Admin || u.Bot ||
		u.State != models.StateActive || !u.PasswordMatches(testPassword) {
		t.Fatalf("created user %+v", u)
	}
	ev := adminUsersAudit(a, "user_created", "newbie")
	if ev == nil || ev.ActorName != "admin" || ev.TargetID == nil || *ev.TargetID != u.ID {
		t.Fatalf("audit event %+v", ev)
	}
	wantStatus(t, a.as("newbie").get("/admin/users"), http.StatusOK)
}

func TestAdminUserCreateInvalid(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	before := adminUsersAuditCount(a)
	res := c.post("/admin/users", adminUsersForm("Kept Name", "-bad", "not-an-email", "admin"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.Doc()
	if v, _ := doc.Find("#user_name").Attr("value"); v != "Kept Name" {
		t.Fatalf("name not kept: %q", v)
	}
	if v, _ := doc.Find("#user_username").Attr("value"); v != "-bad" {
		t.Fatalf("username not kept: %q", v)
	}
	if doc.Find(`#user_access_level_admin[checked]`).Length() != 1 {
		t.Fatal("access level not kept")
	}
	if got := res.Text(`[data-field="username"]`); !strings.Contains(got, "can contain only letters") {
		t.Fatalf("username error %q", got)
	}
	if got := res.Text(`[data-field="email"]`); got != "is not a valid address" {
		t.Fatalf("email error %q", got)
	}
	if !strings.Contains(res.Text(`[data-testid="form-errors"]`), "Email is not a valid address") {
		t.Fatalf("error summary %q", res.Text(`[data-testid="form-errors"]`))
	}

	res = c.post("/admin/users", adminUsersForm("Copy", "DEV", "dev2@example.com", "regular"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`[data-field="username"]`); got != "has already been taken" {
		t.Fatalf("duplicate username error %q", got)
	}
	res = c.post("/admin/users", adminUsersForm("Root", "root", "root@example.com", "superuser"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`[data-field="access_level"]`); got != "is not included in the list" {
		t.Fatalf("access level error %q", got)
	}
	res = c.post("/admin/users", url.Values{"user[name]": {"Short"}, "user[username]": {"short"}, "user[email]": {"short@example.com"},
		"user[access_level]": {"regular"}, "user[password]": {"1234"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`[data-field="password"]`); !strings.Contains(got, "too short") {
		t.Fatalf("password error %q", got)
	}
	if res.Doc().Find(`#user_password[value]`).Length() != 0 {
		t.Fatal("the password must not be sent back")
	}

	counts, err := a.store.CountUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts.Total != 4 || adminUsersAuditCount(a) != before {
		t.Fatalf("invalid input wrote something: %d users, %d audit events (was %d)", counts.Total, adminUsersAuditCount(a), before)
	}
}

func TestAdminUserShow(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.mustUser(models.UserInput{Username: "ci-bot", Name: "CI Bot", Email: "ci-bot@example.com", Bot: true})
	c := a.as("admin")
	res := c.get("/admin/users/dev")
	wantStatus(t, res, http.StatusOK)
	for sel, want := range map[string]string{
		`[data-testid="account-name"]`:          "Dev Eloper",
		`[data-testid="account-username"]`:      "dev",
		`[data-testid="account-email"]`:         "dev@example.com",
		`[data-testid="account-public-email"]`:  "Private",
		`[data-testid="account-state"]`:         "Active",
		`[data-testid="account-access-level"]`:  "Regular",
		`[data-testid="account-last-activity"]`: "Never",
	} {
		if got := res.Text(sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	var crumbs []string
	res.Doc().Find(".gl-breadcrumbs li").Each(func(_ int, s *goquery.Selection) { crumbs = append(crumbs, strings.TrimSpace(s.Text())) })
	if got := strings.Join(crumbs, " > "); got != "Admin area > Users > Dev Eloper" {
		t.Errorf("breadcrumbs %q", got)
	}
	for _, action := range []string{"block", "ban", "deactivate"} {
		if res.Doc().Find(`[data-testid="user-action-`+action+`"]`).Length() != 1 {
			t.Errorf("active user page lacks %s", action)
		}
	}
	if res.Doc().Find(`[data-testid="user-action-unblock"]`).Length() != 0 {
		t.Error("active user page offers Unblock")
	}
	if got := res.Text(`[data-testid="user-page-tabs"] .active`); got != "Account" {
		t.Errorf("active tab %q", got)
	}
	if href, _ := res.Doc().Find(`[data-testid="edit-user"]`).Attr("href"); href != "/admin/users/dev/edit" {
		t.Errorf("Edit links to %q", href)
	}
	if got := res.Text(`.super-sidebar .active`); got != "Users" {
		t.Errorf("sidebar active %q", got)
	}

	bot := c.get("/admin/users/ci-bot")
	wantStatus(t, bot, http.StatusOK)
	if got := bot.Text(`[data-testid="user-heading"] [data-testid="user-badge"]`); got != "Bot" {
		t.Fatalf("bot badge %q", got)
	}
}

func TestAdminUserEditAndUpdate(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	form := c.get("/admin/users/dev/edit")
	wantStatus(t, form, http.StatusOK)
	if v, _ := form.Doc().Find("#user_name").Attr("value"); v != "Dev Eloper" {
		t.Fatalf("name prefilled %q", v)
	}
	if form.Doc().Find(`#user_access_level_regular[checked]`).Length() != 1 {
		t.Fatal("access level not prefilled")
	}
	if action, _ := form.Doc().Find(`form[data-testid="user-form"]`).Attr("action"); action != "/admin/users/dev" {
		t.Fatalf("form posts to %q", action)
	}

	f := adminUsersForm("Dev Renamed", "developer", "dev@example.com", "admin")
	f.Set("user[public_email]", "1")
	res := c.post("/admin/users/dev", f)
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin/users/developer" {
		t.Fatalf("Location %q", loc)
	}
	if got := c.follow(res).Flash(); got != "User was successfully updated." {
		t.Fatalf("flash %q", got)
	}
	u := adminUsersGet(a, "developer")
	if u.ID != a.users["dev"].ID || u.Name != "Dev Renamed" || !u.Admin || !u.PublicEmail || !u.PasswordMatches(testPassword) {
		t.Fatalf("updated user %+v (a blank password must keep the old one)", u)
	}
	if ev := adminUsersAudit(a, "user_updated", "developer"); ev == nil || !strings.Contains(ev.Details, "Dev Renamed") {
		t.Fatalf("audit event %+v", ev)
	}
	wantStatus(t, c.get("/admin/users/dev"), http.StatusNotFound)

	before := adminUsersAuditCount(a)
	res = c.post("/admin/users/developer", adminUsersForm("", "developer", "owner@example.com", "regular"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`[data-field="name"]`); got != "can't be blank" {
		t.Fatalf("name error %q", got)
	}
	if v, _ := res.Doc().Find("#user_email").Attr("value"); v != "owner@example.com" {
		t.Fatalf("email not kept: %q", v)
	}
	if u := adminUsersGet(a, "developer"); u.Name != "Dev Renamed" || !u.Admin || adminUsersAuditCount(a) != before {
		t.Fatalf("invalid edit wrote something: %+v", u)
	}

	f = adminUsersForm("Dev Renamed", "developer", "dev@example.com", "regular")
	f.Set("user[password]", "a-new-password")
	wantStatus(t, c.post("/admin/users/developer", f), http.StatusSeeOther)
	if u := adminUsersGet(a, "developer"); u.Admin || !u.PasswordMatches("a-new-password") || u.PublicEmail {
		t.Fatalf("second update %+v", u)
	}
}

func TestAdminUserUpdateKeepsBotAndOwnAdminAccess(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.mustUser(models.UserInput{Username: "ci-bot", Name: "CI Bot", Email: "ci-bot@example.com", Bot: true})
	c := a.as("admin")
	wantStatus(t, c.post("/admin/users/ci-bot", adminUsersForm("CI Robot", "ci-bot", "ci-bot@example.com", "regular")), http.StatusSeeOther)
	if u := adminUsersGet(a, "ci-bot"); !u.Bot || u.Name != "CI Robot" {
		t.Fatalf("bot after edit %+v", u)
	}

	own := c.get("/admin/users/admin/edit")
	wantStatus(t, own, http.StatusOK)
	if own.Doc().Find(`#user_access_level_regular[disabled]`).Length() != 1 || own.Doc().Find(`#user_access_level_admin[disabled]`).Length() != 0 {
		t.Fatal("an admin's own form must lock the access level to Administrator")
	}
	res := c.post("/admin/users/admin", adminUsersForm("Ada Admin", "admin", "admin@example.com", "regular"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`[data-field="access_level"]`); !strings.Contains(got, "cannot remove your own administrator access") {
		t.Fatalf("self-demotion error %q", got)
	}
	if !adminUsersGet(a, "admin").Admin {
		t.Fatal("admin demoted themselves")
	}
	// The disabled radios are not submitted: the access level stays.
	f := adminUsersForm("Ada Lovelace", "admin", "admin@example.com", "")
	f.Del("user[access_level]")
	wantStatus(t, c.post("/admin/users/admin", f), http.StatusSeeOther)
	if u := adminUsersGet(a, "admin"); !u.Admin || u.Name != "Ada Lovelace" {
		t.Fatalf("own edit %+v", u)
	}
}

func TestAdminUserStateActions(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	for _, step := range []struct {
		action string
		want   models.UserState
		flash  string
		button string // offered on the page afterwards
	}{
		{"block", models.StateBlocked, "Successfully blocked", "unblock"},
		{"unblock", models.StateActive, "Successfully unblocked", "ban"},
		{"ban", models.StateBanned, "Successfully banned", "unban"},
		{"unban", models.StateActive, "Successfully unbanned", "deactivate"},
		{"deactivate", models.StateDeactivated, "Successfully deactivated", "activate"},
		{"activate", models.StateActive, "Successfully activated", "block"},
	} {
		from := adminUsersGet(a, "dev").State
		res := c.post("/admin/users/dev/"+step.action, nil)
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/admin/users/dev" {
			t.Fatalf("%s: Location %q", step.action, loc)
		}
		page := c.follow(res)
		if got := page.Flash(); got != step.flash {
			t.Fatalf("%s: flash %q", step.action, got)
		}
		if got := adminUsersGet(a, "dev").State; got != step.want {
			t.Fatalf("%s: state %s, want %s", step.action, got, step.want)
		}
		ev := adminUsersAudit(a, "user_state_changed", "dev")
		wantDetails := fmt.Sprintf(`"before":%q`, from)
		if ev == nil || ev.ActorName != "admin" || !strings.Contains(ev.Details, wantDetails) ||
			!strings.Contains(ev.Details, fmt.Sprintf(`"after":%q`, step.want)) {
			t.Fatalf("%s: audit event %+v", step.action, ev)
		}
		if page.Doc().Find(`[data-testid="user-action-`+step.button+`"]`).Length() != 1 {
			t.Fatalf("%s: page does not offer %s", step.action, step.button)
		}
	}

	before := adminUsersAuditCount(a)
	for action, flash := range map[string]string{
		"unblock":  "Error occurred. User was not unblocked",
		"unban":    "Error occurred. User was not unbanned",
		"activate": "Error occurred. User was not activated",
	} {
		res := c.post("/admin/users/dev/"+action, nil)
		wantStatus(t, res, http.StatusSeeOther)
		if got := c.follow(res).Flash(); got != flash {
			t.Errorf("%s on an active user: flash %q", action, got)
		}
	}
	adminUsersSetState(a, "dev", models.StateBlocked)
	before++
	res := c.post("/admin/users/dev/deactivate", nil)
	if got := c.follow(res).Flash(); got != "Error occurred. User was not deactivated" {
		t.Errorf("deactivate a blocked user: flash %q", got)
	}
	if adminUsersGet(a, "dev").State != models.StateBlocked || adminUsersAuditCount(a) != before {
		t.Fatal("a refused transition changed something")
	}

	wantStatus(t, c.post("/admin/users/dev/promote", nil), http.StatusNotFound)
	wantStatus(t, c.post("/admin/users/nobody/block", nil), http.StatusNotFound)
}

func TestAdminUserCannotLockThemselvesOut(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	before := adminUsersAuditCount(a)
	for _, action := range []string{"block", "ban", "deactivate"} {
		res := c.post("/admin/users/admin/"+action, nil)
		wantStatus(t, res, http.StatusSeeOther)
		if got := c.follow(res).Flash(); got != "You cannot "+action+" yourself." {
			t.Errorf("%s yourself: flash %q", action, got)
		}
	}
	if adminUsersGet(a, "admin").State != models.StateActive || adminUsersAuditCount(a) != before {
		t.Fatal("admin changed their own state")
	}
	page := c.get("/admin/users/admin")
	if page.Doc().Find(`[data-testid^="user-action-"]`).Length() != 0 {
		t.Fatal("own page offers state actions")
	}
}

func TestAdminUsersAuditorReadOnly(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("support")
	wantStatus(t, c.get("/admin/users"), http.StatusOK)
	for _, path := range []string{"/admin/users/new", "/admin/users/dev/edit"} {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		if res.Doc().Find(`form[data-testid="user-form"] fieldset[disabled] #user_name`).Length() != 1 {
			t.Fatalf("%s: form not disabled for an auditor", path)
		}
	}
	show := c.get("/admin/users/dev")
	wantStatus(t, show, http.StatusOK)
	if show.Doc().Find(`fieldset[disabled] [data-testid="user-action-block"]`).Length() != 1 {
		t.Fatal("Block is not disabled for an auditor")
	}
	before := adminUsersAuditCount(a)
	wantStatus(t, c.post("/admin/users", adminUsersForm("Sneaky", "sneaky", "sneaky@example.com", "admin")), http.StatusForbidden)
	wantStatus(t, c.post("/admin/users/dev", adminUsersForm("Sneaky", "dev", "dev@example.com", "admin")), http.StatusForbidden)
	wantStatus(t, c.post("/admin/users/dev/block", nil), http.StatusForbidden)
	if u := adminUsersGet(a, "dev"); u.State != models.StateActive || u.Admin || adminUsersAuditCount(a) != before {
		t.Fatalf("auditor changed something: %+v", u)
	}
}

func TestAdminUsersHiddenFromOthers(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, who := range []string{"dev", "owner"} {
		c := a.as(who)
		for _, path := range []string{"/admin/users", "/admin/users/new", "/admin/users/admin", "/admin/users/admin/edit"} {
			wantStatus(t, c.get(path), http.StatusNotFound)
		}
		wantStatus(t, c.post("/admin/users/"+who+"/block", nil), http.StatusNotFound)
	}
	res := a.client().get("/admin/users")
	wantStatus(t, res, http.StatusFound)
	if loc := res.Header.Get("Location"); loc != "/users/sign_in" {
		t.Fatalf("signed out: Location %q", loc)
	}
}

func TestAdminUserUnknownIs404(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	wantStatus(t, c.get("/admin/users/nobody"), http.StatusNotFound)
	wantStatus(t, c.get("/admin/users/nobody/edit"), http.StatusNotFound)
	wantStatus(t, c.post("/admin/users/nobody", adminUsersForm("N", "nobody", "nobody@example.com", "regular")), http.StatusNotFound)
}
