package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
)

const acmeMembers = "/groups/acme/-/group_members"

func memberRow(r *response, username string) *goquery.Selection {
	return r.Doc().Find(`[data-testid="member-row"][data-username="` + username + `"]`)
}

func selectedRole(row *goquery.Selection) string {
	v, _ := row.Find(`select[name="access_level"] option[selected]`).Attr("value")
	return v
}

func membership(t *testing.T, a *app, src models.Source, u *models.User) *models.Member {
	t.Helper()
	ms, err := a.store.Members(context.Background(), src, models.Page{Number: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms.Items {
		if m.UserID == u.ID {
			return &m.Member
		}
	}
	return nil
}

func TestGroupMembersInviteChangeRemove(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	src := models.GroupSource(acme)
	dev := a.users["dev"]
	c := a.as("owner")

	page := c.get(acmeMembers)
	wantStatus(t, page, http.StatusOK)
	if got := page.Text("h1"); got != "Group members" {
		t.Fatalf("heading %q", got)
	}
	if got := page.Text(`[data-testid="sidebar"] .sidebar-item.active`); got != "Members" {
		t.Fatalf("active sidebar item %q", got)
	}

	res := c.post(acmeMembers, url.Values{"username": {"dev"}, "access_level": {"30"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != acmeMembers {
		t.Fatalf("Location %q", loc)
	}
	page = c.follow(res)
	if got := page.Flash(); got != "Member was successfully added." {
		t.Fatalf("flash %q", got)
	}
	m := membership(t, a, src, dev)
	if m == nil || m.AccessLevel != models.Developer {
		t.Fatalf("membership %+v", m)
	}
	row := memberRow(page, "dev")
	if selectedRole(row) != "30" || strings.TrimSpace(row.Find(`[data-testid="member-source"]`).Text()) != "Direct member" {
		t.Fatalf("row: role %q source %q", selectedRole(row), row.Find(`[data-testid="member-source"]`).Text())
	}
	wantAudit(t, a, "member_added", "dev", "owner")

	action, _ := row.Find(`[data-testid="role-form"]`).Attr("action")
	if action != acmeMembers+"/"+strconv.FormatInt(m.ID, 10) {
		t.Fatalf("role form posts to %q", action)
	}
	res = c.post(action, url.Values{"access_level": {"40"}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := c.follow(res).Flash(); got != "Role updated." {
		t.Fatalf("flash %q", got)
	}
	if m := membership(t, a, src, dev); m.AccessLevel != models.Maintainer {
		t.Fatalf("role now %v", m.AccessLevel)
	}
	ev := wantAudit(t, a, "member_access_changed", "dev", "owner")
	if !strings.Contains(ev.Details, `"before":"developer"`) || !strings.Contains(ev.Details, `"after":"maintainer"`) {
		t.Fatalf("audit details %s", ev.Details)
	}

	remove, _ := row.Find(`[data-testid="remove-form"]`).Attr("action")
	res = c.post(remove, nil)
	wantStatus(t, res, http.StatusOK)
	if membership(t, a, src, dev) == nil {
		t.Fatal("a POST without the confirmation removed the member")
	}
	res = c.post(remove, url.Values{"confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := c.follow(res).Flash(); got != "Member was successfully removed." {
		t.Fatalf("flash %q", got)
	}
	if membership(t, a, src, dev) != nil {
		t.Fatal("member still there")
	}
	wantAudit(t, a, "member_removed", "dev", "owner")
}

func TestInviteMemberErrorsKeepTheForm(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.acmeOwnedByOwner()
	c := a.as("owner")

	res := c.post(acmeMembers, url.Values{"username": {"ghost"}, "access_level": {"20"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`.field-error[data-field="username"]`); got != "User not found" {
		t.Fatalf("error %q", got)
	}
	if v, _ := res.Doc().Find("#invite_username").Attr("value"); v != "ghost" {
		t.Fatalf("username not kept: %q", v)
	}
	if v, _ := res.Doc().Find(`#invite_access_level option[selected]`).Attr("value"); v != "20" {
		t.Fatalf("role not kept: %q", v)
	}

	res = c.post(acmeMembers, url.Values{"username": {"owner"}, "access_level": {"30"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`.field-error[data-field="username"]`); got != "is already a member" {
		t.Fatalf("error %q", got)
	}

	res = c.post(acmeMembers, url.Values{"username": {"dev"}, "access_level": {"99"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if res.Doc().Find(`.field-error[data-field="access_level"]`).Length() != 1 {
		t.Fatal("bad role not reported")
	}
	wantStatus(t, c.post(acmeMembers, url.Values{"username": {""}, "access_level": {"30"}}), http.StatusUnprocessableEntity)
	if n, _ := a.store.Members(context.Background(), models.GroupSource(mustGroup(t, a, "acme")), models.Page{}); n.Total != 1 {
		t.Fatalf("%d members after rejected invites, want 1", n.Total)
	}
}

func mustGroup(t *testing.T, a *app, path string) *models.Group {
	t.Helper()
	g, err := a.store.GroupByFullPath(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestLastOwnerOfTopLevelGroupIsKept(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	src := models.GroupSource(acme)
	own := membership(t, a, src, a.users["owner"])
	c := a.as("admin")
	path := acmeMembers + "/" + strconv.FormatInt(own.ID, 10)
	for _, try := range []struct {
		path string
		form url.Values
	}{{path, url.Values{"access_level": {"40"}}}, {path + "/delete", url.Values{"confirm": {"1"}}}} {
		res := c.post(try.path, try.form)
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != acmeMembers {
			t.Fatalf("Location %q", loc)
		}
		page := c.follow(res)
		if got := page.Flash(); got != models.ErrLastOwner.Error() {
			t.Fatalf("flash %q", got)
		}
		if page.Doc().Find(".gl-alert-danger.flash").Length() != 1 {
			t.Fatal("the last-owner flash is a danger alert")
		}
		if m := membership(t, a, src, a.users["owner"]); m == nil || m.AccessLevel != models.Owner {
			t.Fatalf("last owner changed: %+v", m)
		}
	}

	// With a second owner the first may step down.
	a.mkMember(src, a.users["dev"], models.Owner)
	res := c.post(path, url.Values{"access_level": {"40"}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := c.follow(res).Flash(); got != "Role updated." {
		t.Fatalf("flash %q", got)
	}
}

func TestUnknownMemberIs404(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.acmeOwnedByOwner()
	globex := a.mkGroup(nil, "globex", "Globex", "")
	foreign := a.mkMember(models.GroupSource(globex), a.users["dev"], models.Developer)
	c := a.as("owner")
	for _, id := range []string{"99999", "abc", strconv.FormatInt(foreign.ID, 10)} {
		wantStatus(t, c.post(acmeMembers+"/"+id, url.Values{"access_level": {"30"}}), http.StatusNotFound)
		wantStatus(t, c.post(acmeMembers+"/"+id+"/delete", nil), http.StatusNotFound)
	}
	if m := membership(t, a, models.GroupSource(globex), a.users["dev"]); m == nil || m.AccessLevel != models.Developer {
		t.Fatal("a membership of another group was changed through acme's URL")
	}
}

func TestMembersPaginationAndInheritance(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	platform := a.mkGroup(acme, "platform", "Platform", "")
	for i := 1; i <= 24; i++ {
		u := a.mustUser(models.UserInput{Username: fmt.Sprintf("user%02d", i), Name: fmt.Sprintf("User %02d", i),
			Email: fmt.Sprintf("user%02d@example.com", i)})
		a.mkMember(models.GroupSource(acme), u, models.Reporter)
	}
	// dev is a direct member of the subgroup and inherits nothing.
	a.mkMember(models.GroupSource(platform), a.users["dev"], models.Developer)
	c := a.as("owner")

	res := c.get(acmeMembers)
	if n := res.Doc().Find(`[data-testid="member-row"]`).Length(); n != 20 {
		t.Fatalf("%d rows on page 1", n)
	}
	next, _ := res.Doc().Find(`[data-testid="pagination"] a[rel="next"]`).Attr("href")
	page2 := c.get(next)
	wantStatus(t, page2, http.StatusOK)
	rows := page2.Doc().Find(`[data-testid="member-row"]`)
	if rows.Length() != 5 {
		t.Fatalf("%d rows on page 2, want 5 (25 members)", rows.Length())
	}
	// A change made on page 2 returns to page 2.
	action, _ := rows.First().Find(`[data-testid="role-form"]`).Attr("action")
	res = c.post(action, url.Values{"access_level": {"30"}, "page": {"2"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != acmeMembers+"?page=2" {
		t.Fatalf("Location %q", loc)
	}

	sub := c.get("/groups/acme/platform/-/group_members")
	wantStatus(t, sub, http.StatusOK)
	if got := sub.Text(`[data-testid="members-count"]`); !strings.HasPrefix(got, "26 members") {
		t.Fatalf("count %q: 25 inherited + 1 direct", got)
	}
	owner := memberRow(sub, "owner")
	if got := strings.Join(strings.Fields(owner.Find(`[data-testid="member-source"]`).Text()), " "); got != "Inherited from acme" {
		t.Fatalf("owner's source %q", got)
	}
	if owner.Find("form").Length() != 0 || strings.TrimSpace(owner.Find(`[data-testid="inherited-role"]`).Text()) != "Owner" {
		t.Fatal("inherited rows show the role without forms")
	}
	if memberRow(sub, "dev").Find(`[data-testid="remove-form"]`).Length() != 1 {
		t.Fatal("direct subgroup members can be removed here")
	}
}

func TestMemberBadges(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	bot := a.mustUser(models.UserInput{Username: "helper-bot", Name: "Helper Bot", Email: "bot@example.com", Bot: true})
	a.mkMember(models.GroupSource(acme), bot, models.Reporter)
	a.mkMember(models.GroupSource(acme), a.users["dev"], models.Developer)
	if _, err := a.store.SetUserState(context.Background(), models.ActorFor(a.users["admin"]), a.users["dev"].ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	page := a.as("owner").get(acmeMembers)
	badges := func(u string) string {
		return strings.Join(strings.Fields(memberRow(page, u).Find(`[data-testid="member-badge"]`).Text()), " ")
	}
	if got := badges("helper-bot"); got != "Bot" {
		t.Fatalf("bot badges %q", got)
	}
	if got := badges("dev"); got != "Blocked" {
		t.Fatalf("blocked badges %q", got)
	}
	if got := badges("owner"); got != "It's you" {
		t.Fatalf("own badges %q", got)
	}
}

func TestProjectMembers(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	p := a.mkProject(acme, "backend", "Backend")
	src := models.ProjectSource(p, acme)
	c := a.as("owner")
	const base = "/acme/backend/-/project_members"

	page := c.get(base)
	wantStatus(t, page, http.StatusOK)
	if got := page.Text("h1"); got != "Project members" {
		t.Fatalf("heading %q", got)
	}
	if got := strings.Join(strings.Fields(memberRow(page, "owner").Find(`[data-testid="member-source"]`).Text()), " "); got != "Inherited from acme" {
		t.Fatalf("owner's source %q", got)
	}

	res := c.post(base, url.Values{"username": {"@dev"}, "access_level": {"developer"}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := c.follow(res).Flash(); got != "Member was successfully added." {
		t.Fatalf("flash %q", got)
	}
	m := membership(t, a, src, a.users["dev"])
	if m == nil || m.AccessLevel != models.Developer {
		t.Fatalf("membership %+v", m)
	}
	ev := wantAudit(t, a, "member_added", "dev", "owner")
	if !strings.Contains(ev.Details, `"source_type":"Project"`) {
		t.Fatalf("audit details %s", ev.Details)
	}
	id := strconv.FormatInt(m.ID, 10)
	wantStatus(t, c.post(base+"/"+id, url.Values{"access_level": {"50"}}), http.StatusSeeOther)
	if m := membership(t, a, src, a.users["dev"]); m.AccessLevel != models.Owner {
		t.Fatalf("role now %v", m.AccessLevel)
	}
	wantAudit(t, a, "member_access_changed", "dev", "owner")
	// Projects have no last-owner rule: their group's owners stay in charge.
	res = c.post(base+"/"+id+"/delete", url.Values{"confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := c.follow(res).Flash(); got != "Member was successfully removed." {
		t.Fatalf("flash %q", got)
	}
	if membership(t, a, src, a.users["dev"]) != nil {
		t.Fatal("member still there")
	}
	wantAudit(t, a, "member_removed", "dev", "owner")
}

func TestAuditorSeesMembersReadOnly(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	a.mkProject(acme, "backend", "Backend")
	dm := a.mkMember(models.GroupSource(acme), a.users["dev"], models.Developer)
	c := a.as("support")
	for _, path := range []string{acmeMembers, "/acme/backend/-/project_members"} {
		page := c.get(path)
		wantStatus(t, page, http.StatusOK)
		forms := page.Doc().Find("main form")
		if forms.Length() == 0 || forms.Length() != page.Doc().Find("main form fieldset[disabled]").Length() {
			t.Fatalf("%s: every form must be disabled for an auditor", path)
		}
	}
	wantStatus(t, c.post(acmeMembers, url.Values{"username": {"admin"}, "access_level": {"30"}}), http.StatusForbidden)
	wantStatus(t, c.post(acmeMembers+"/"+strconv.FormatInt(dm.ID, 10), url.Values{"access_level": {"50"}}), http.StatusForbidden)
	wantStatus(t, c.post(acmeMembers+"/"+strconv.FormatInt(dm.ID, 10)+"/delete", nil), http.StatusForbidden)
	if m := membership(t, a, models.GroupSource(acme), a.users["dev"]); m == nil || m.AccessLevel != models.Developer {
		t.Fatal("auditor changed a membership")
	}
	if membership(t, a, models.GroupSource(acme), a.users["admin"]) != nil {
		t.Fatal("auditor added a member")
	}
}
