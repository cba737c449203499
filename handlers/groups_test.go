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

// mkGroup creates a group (top-level when parent is nil) as the admin.
func (a *app) mkGroup(parent *models.Group, path, name string, plan models.Plan) *models.Group {
	a.t.Helper()
	g, err := a.store.CreateGroup(context.Background(), models.ActorFor(a.users["admin"]), parent,
		models.GroupInput{Path: path, Name: name, Plan: plan})
	if err != nil {
		a.t.Fatalf("create group %s: %v", path, err)
	}
	return g
}

func (a *app) mkProject(g *models.Group, path, name string) *models.Project {
	a.t.Helper()
	p, err := a.store.CreateProject(context.Background(), models.ActorFor(a.users["admin"]), g, models.ProjectInput{Path: path, Name: name})
	if err != nil {
		a.t.Fatalf("create project %s: %v", path, err)
	}
	return p
}

func (a *app) mkMember(src models.Source, u *models.User, level models.AccessLevel) *models.Member {
	a.t.Helper()
	m, err := a.store.AddMember(context.Background(), models.ActorFor(a.users["admin"]), src, u, level)
	if err != nil {
		a.t.Fatalf("add member %s: %v", u.Username, err)
	}
	return m
}

// acmeOwnedByOwner is the usual fixture: acme (Ultimate), owner its Owner.
func (a *app) acmeOwnedByOwner() *models.Group {
	g := a.mkGroup(nil, "acme", "Acme", models.PlanUltimate)
	a.mkMember(models.GroupSource(g), a.users["owner"], models.Owner)
	return g
}

// wantAudit finds the newest event with action about targetName, by actor.
func wantAudit(t *testing.T, a *app, action, targetName, actor string) models.AuditEvent {
	t.Helper()
	evs, err := a.store.RecentAuditEvents(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Action == action && ev.TargetName == targetName {
			if ev.ActorName != actor {
				t.Fatalf("%s event by %q, want %q", action, ev.ActorName, actor)
			}
			return ev
		}
	}
	t.Fatalf("no %s audit event for %s", action, targetName)
	return models.AuditEvent{}
}

func groupForm(name, path string) url.Values {
	return url.Values{"group[name]": {name}, "group[path]": {path}}
}

func TestAdminCreatesTopLevelGroupWithPlan(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	page := c.get("/admin/groups/new")
	wantStatus(t, page, http.StatusOK)
	if page.Doc().Find(`input[name="group[plan]"]`).Length() != 3 {
		t.Fatal("the form offers Free, Premium and Ultimate")
	}
	if v, _ := page.Doc().Find(`input[name="group[plan]"][checked]`).Attr("value"); v != "free" {
		t.Fatalf("default plan %q, want free", v)
	}
	if page.Doc().Find("fieldset[disabled]").Length() != 0 {
		t.Fatal("admins get an enabled form")
	}

	form := groupForm("Acme Corp", "acme")
	form.Set("group[plan]", "premium")
	res := c.post("/admin/groups", form)
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/groups/acme" {
		t.Fatalf("Location %q", loc)
	}
	show := c.follow(res)
	wantStatus(t, show, http.StatusOK)
	if got := show.Flash(); got != "Group 'Acme Corp' was successfully created." {
		t.Fatalf("flash %q", got)
	}
	g, err := a.store.GroupByFullPath(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if g.Plan != models.PlanPremium || !g.TopLevel() || g.Name != "Acme Corp" {
		t.Fatalf("group stored as %+v", g)
	}
	if got := show.Text(`[data-testid="group-id"]`); got != "Group ID: "+strconv.FormatInt(g.ID, 10) {
		t.Fatalf("group id line %q", got)
	}
	if got := show.Text(`[data-testid="plan-badge"]`); got != "Premium" {
		t.Fatalf("plan badge %q", got)
	}
	ev := wantAudit(t, a, "group_created", "acme", "admin")
	if !strings.Contains(ev.Details, `"premium"`) {
		t.Fatalf("audit details %s", ev.Details)
	}
}

func TestAdminCreateGroupInvalidKeepsValues(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	form := groupForm("Bad One", "bad path!")
	form.Set("group[plan]", "ultimate")
	res := c.post("/admin/groups", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.Doc()
	if v, _ := doc.Find("#group_name").Attr("value"); v != "Bad One" {
		t.Fatalf("name not kept: %q", v)
	}
	if v, _ := doc.Find("#group_path").Attr("value"); v != "bad path!" {
		t.Fatalf("path not kept: %q", v)
	}
	if v, _ := doc.Find(`input[name="group[plan]"][checked]`).Attr("value"); v != "ultimate" {
		t.Fatalf("plan not kept: %q", v)
	}
	if doc.Find(`.field-error[data-field="path"]`).Length() != 1 || !doc.Find("#group_path").HasClass("is-invalid") {
		t.Fatal("path error not shown at the field")
	}
	if n, _ := a.store.CountGroups(context.Background()); n.Total != 0 {
		t.Fatalf("%d groups created from invalid input", n.Total)
	}

	a.mkGroup(nil, "taken", "Taken", "")
	res = c.post("/admin/groups", groupForm("Again", "TAKEN"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`.field-error[data-field="path"]`); got != "has already been taken" {
		t.Fatalf("duplicate path error %q", got)
	}
	res = c.post("/admin/groups", url.Values{"group[name]": {"X"}, "group[path]": {"x"}, "group[plan]": {"platinum"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
}

func TestAdminGroupsListSearchAndPaging(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.mkGroup(nil, "acme", "Acme", models.PlanUltimate)
	a.mkGroup(acme, "platform", "Platform", "")
	a.mkGroup(acme, "web", "Web", "")
	a.mkProject(acme, "backend", "Backend")
	a.mkMember(models.GroupSource(acme), a.users["owner"], models.Owner)
	for i := 1; i <= 22; i++ {
		a.mkGroup(nil, fmt.Sprintf("team-%02d", i), fmt.Sprintf("Team %02d", i), models.PlanPremium)
	}
	c := a.as("admin")
	res := c.get("/admin/groups")
	wantStatus(t, res, http.StatusOK)
	if n := res.Doc().Find(`[data-testid="group-row"]`).Length(); n != 20 {
		t.Fatalf("%d rows on page 1, want 20", n)
	}
	row := res.Doc().Find(`[data-testid="group-row"]`).First()
	if href, _ := row.Find("a").Attr("href"); href != "/groups/acme" {
		t.Fatalf("first row links to %q", href)
	}
	cells := row.Find("td")
	if got := strings.TrimSpace(cells.Eq(1).Text()); got != "Ultimate" {
		t.Fatalf("plan cell %q", got)
	}
	if s, p, m := strings.TrimSpace(cells.Eq(2).Text()), strings.TrimSpace(cells.Eq(3).Text()), strings.TrimSpace(cells.Eq(4).Text()); s != "2" || p != "1" || m != "1" {
		t.Fatalf("counts subgroups=%s projects=%s members=%s", s, p, m)
	}
	sub := res.Doc().Find(`[data-testid="group-row"]`).Eq(1)
	if sub.Find(`[data-testid="full-path"]`).Text() != "acme/platform" || sub.Find(`[data-testid="plan-badge"]`).Length() != 0 {
		t.Fatal("subgroups show their full path and no plan badge")
	}

	res = c.get("/admin/groups?search=team")
	wantStatus(t, res, http.StatusOK)
	next, ok := res.Doc().Find(`[data-testid="pagination"] a[rel="next"]`).Attr("href")
	if !ok || !strings.Contains(next, "search=team") || !strings.Contains(next, "page=2") {
		t.Fatalf("next page link %q must keep the search", next)
	}
	res = c.get(next)
	wantStatus(t, res, http.StatusOK)
	if n := res.Doc().Find(`[data-testid="group-row"]`).Length(); n != 2 {
		t.Fatalf("%d rows on page 2 of the search, want 2", n)
	}
	res = c.get("/admin/groups?search=nomatch")
	if res.Doc().Find(`[data-testid="no-groups"]`).Length() != 1 {
		t.Fatal("empty search shows the empty state")
	}
	wantStatus(t, a.as("dev").get("/admin/groups"), http.StatusNotFound)
}

func TestOwnerCreatesSubgroupOnlyInOwnGroup(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	platform := a.mkGroup(acme, "platform", "Platform", "")
	globex := a.mkGroup(nil, "globex", "Globex", "")
	c := a.as("owner")

	page := c.get("/groups/new?parent_id=" + strconv.FormatInt(acme.ID, 10))
	wantStatus(t, page, http.StatusOK)
	if v, _ := page.Doc().Find(`input[name="parent_id"]`).Attr("value"); v != strconv.FormatInt(acme.ID, 10) {
		t.Fatalf("hidden parent_id %q", v)
	}
	if got := page.Text(`[data-testid="inherited-plan"]`); !strings.Contains(got, "Ultimate") {
		t.Fatalf("subgroup form shows the root's plan: %q", got)
	}

	form := groupForm("Backend", "backend")
	form.Set("parent_id", strconv.FormatInt(acme.ID, 10))
	res := c.post("/groups", form)
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/groups/acme/backend" {
		t.Fatalf("Location %q", loc)
	}
	if got := c.follow(res).Flash(); got != "Group 'Backend' was successfully created." {
		t.Fatalf("flash %q", got)
	}
	sub, err := a.store.GroupByFullPath(context.Background(), "acme/backend")
	if err != nil || sub.ParentID == nil || *sub.ParentID != acme.ID {
		t.Fatalf("subgroup %+v, %v", sub, err)
	}
	wantAudit(t, a, "group_created", "acme/backend", "owner")

	// Owning an ancestor is enough.
	form = groupForm("Deep", "deep")
	form.Set("parent_id", strconv.FormatInt(platform.ID, 10))
	wantStatus(t, c.post("/groups", form), http.StatusSeeOther)

	before, _ := a.store.CountGroups(context.Background())
	wantStatus(t, c.get("/groups/new?parent_id="+strconv.FormatInt(globex.ID, 10)), http.StatusNotFound)
	form = groupForm("Intruder", "intruder")
	form.Set("parent_id", strconv.FormatInt(globex.ID, 10))
	wantStatus(t, c.post("/groups", form), http.StatusNotFound)
	if after, _ := a.store.CountGroups(context.Background()); after != before {
		t.Fatal("a group was created under a group the owner does not own")
	}

	form = groupForm("", "x y")
	form.Set("parent_id", strconv.FormatInt(acme.ID, 10))
	res = c.post("/groups", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if v, _ := res.Doc().Find("#group_path").Attr("value"); v != "x y" {
		t.Fatalf("path not kept: %q", v)
	}
	if v, _ := res.Doc().Find(`input[name="parent_id"]`).Attr("value"); v != strconv.FormatInt(acme.ID, 10) {
		t.Fatal("parent kept on the re-rendered form")
	}
}

func TestGroupsNewWithoutOrWithBadParent(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.as("admin").get("/groups/new")
	wantStatus(t, res, http.StatusFound)
	if loc := res.Header.Get("Location"); loc != "/admin/groups/new" {
		t.Fatalf("admin sent to %q", loc)
	}
	dev := a.as("dev")
	wantStatus(t, dev.get("/groups/new"), http.StatusNotFound)
	wantStatus(t, dev.post("/groups", groupForm("Top", "top")), http.StatusNotFound)
	wantStatus(t, dev.get("/groups/new?parent_id=abc"), http.StatusNotFound)
	wantStatus(t, dev.get("/groups/new?parent_id=99999"), http.StatusNotFound)
	wantStatus(t, a.as("admin").get("/projects/new"), http.StatusNotFound)

	// POST /groups without a parent is the Admin area's top-level create.
	res = a.as("admin").post("/groups", groupForm("Top", "top"))
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/groups/top" {
		t.Fatalf("Location %q", loc)
	}
}

func TestAuditorSeesGroupFormsDisabledAndCannotPost(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	id := strconv.FormatInt(acme.ID, 10)
	c := a.as("support")
	for _, path := range []string{"/admin/groups/new", "/groups/new?parent_id=" + id, "/projects/new?namespace_id=" + id} {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		if res.Doc().Find("form fieldset[disabled]").Length() == 0 {
			t.Fatalf("%s: the form is not disabled for an auditor", path)
		}
	}
	show := c.get("/groups/acme")
	wantStatus(t, show, http.StatusOK)
	for _, sel := range []string{`[data-testid="new-subgroup"]`, `[data-testid="new-project"]`} {
		if _, disabled := show.Doc().Find(sel).Attr("disabled"); !disabled {
			t.Fatalf("%s is not disabled for an auditor", sel)
		}
	}
	form := groupForm("Sneaky", "sneaky")
	form.Set("parent_id", id)
	wantStatus(t, c.post("/groups", form), http.StatusForbidden)
	wantStatus(t, c.post("/admin/groups", groupForm("Sneaky", "sneaky")), http.StatusForbidden)
	wantStatus(t, c.post("/projects", url.Values{"namespace_id": {id}, "project[name]": {"P"}, "project[path]": {"p"}}), http.StatusForbidden)
	if n, _ := a.store.CountGroups(context.Background()); n.Total != 1 {
		t.Fatalf("auditor created a group: %d groups", n.Total)
	}
	if n, _ := a.store.CountProjects(context.Background()); n != 0 {
		t.Fatal("auditor created a project")
	}
}

func TestDeveloperCannotSeeGroupOrProject(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	p := a.mkProject(acme, "backend", "Backend")
	a.mkMember(models.GroupSource(acme), a.users["dev"], models.Developer)
	a.mkMember(models.ProjectSource(p, acme), a.users["dev"], models.Maintainer)
	c := a.as("dev")
	for _, path := range []string{"/groups/acme", "/groups/acme/-/group_members", "/acme/backend", "/acme/backend/-/project_members",
		"/projects/new?namespace_id=" + strconv.FormatInt(acme.ID, 10)} {
		wantStatus(t, c.get(path), http.StatusNotFound)
	}
}

func TestProjectCreation(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	id := strconv.FormatInt(acme.ID, 10)
	c := a.as("owner")
	page := c.get("/projects/new?namespace_id=" + id)
	wantStatus(t, page, http.StatusOK)
	if v, _ := page.Doc().Find(`input[name="namespace_id"]`).Attr("value"); v != id {
		t.Fatalf("hidden namespace_id %q", v)
	}

	res := c.post("/projects", url.Values{"namespace_id": {id}, "project[name]": {"API Gateway"}, "project[path]": {"backend"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/acme/backend" {
		t.Fatalf("Location %q", loc)
	}
	show := c.follow(res)
	wantStatus(t, show, http.StatusOK)
	if got := show.Flash(); got != "Project 'API Gateway' was successfully created." {
		t.Fatalf("flash %q", got)
	}
	p, err := a.store.ProjectByFullPath(context.Background(), "acme/backend")
	if err != nil || p.NamespaceID != acme.ID {
		t.Fatalf("project %+v, %v", p, err)
	}
	if got := show.Text(`[data-testid="project-id"]`); got != "Project ID: "+strconv.FormatInt(p.ID, 10) {
		t.Fatalf("project id line %q", got)
	}
	if got := show.Text(`[data-testid="project-full-path"]`); got != "acme/backend" {
		t.Fatalf("full path %q", got)
	}
	var crumbs []string
	show.Doc().Find(".gl-breadcrumb-item").Each(func(_ int, s *goquery.Selection) { crumbs = append(crumbs, strings.TrimSpace(s.Text())) })
	if strings.Join(crumbs, " / ") != "Acme / API Gateway" {
		t.Fatalf("breadcrumbs %v", crumbs)
	}
	if got := show.Text(`[data-testid="sidebar"] .sidebar-item.active`); got != "Project overview" {
		t.Fatalf("active sidebar item %q", got)
	}
	wantAudit(t, a, "project_created", "acme/backend", "owner")

	res = c.post("/projects", url.Values{"namespace_id": {id}, "project[name]": {"Again"}, "project[path]": {"backend"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`.field-error[data-field="path"]`); got != "has already been taken" {
		t.Fatalf("duplicate path error %q", got)
	}
	if v, _ := res.Doc().Find("#project_name").Attr("value"); v != "Again" {
		t.Fatalf("name not kept: %q", v)
	}
	// A project path may not shadow a subgroup: they share the URL space.
	a.mkGroup(acme, "web", "Web", "")
	res = c.post("/projects", url.Values{"namespace_id": {id}, "project[name]": {"Web"}, "project[path]": {"web"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)

	other := a.mkGroup(nil, "other", "Other", "")
	wantStatus(t, c.post("/projects", url.Values{"namespace_id": {strconv.FormatInt(other.ID, 10)}, "project[name]": {"X"}, "project[path]": {"x"}}), http.StatusNotFound)
}

func TestGroupPageListsSubgroupsProjectsAndInvitedGroups(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	platform := a.mkGroup(acme, "platform", "Platform", "")
	a.mkGroup(platform, "infra", "Infra", "")
	a.mkProject(acme, "backend", "Backend")
	globex := a.mkGroup(nil, "globex", "Globex", "")
	if err := a.store.CreateGroupLink(context.Background(), models.ActorFor(a.users["admin"]), acme, globex, models.Developer); err != nil {
		t.Fatal(err)
	}
	c := a.as("owner")
	res := c.get("/groups/acme")
	wantStatus(t, res, http.StatusOK)
	doc := res.Doc()
	if got := res.Text(`[data-testid="group-name"]`); got != "Acme" {
		t.Fatalf("heading %q", got)
	}
	if href, _ := doc.Find(`[data-testid="child-group"] a`).Attr("href"); href != "/groups/acme/platform" {
		t.Fatalf("subgroup link %q", href)
	}
	if doc.Find(`[data-testid="child-group"] [data-testid="subgroup-icon"]`).Length() != 1 {
		t.Fatal("subgroups carry the subgroup icon")
	}
	if href, _ := doc.Find(`[data-testid="child-project"] a`).Attr("href"); href != "/acme/backend" {
		t.Fatalf("project link %q", href)
	}
	if doc.Find(`[data-testid="group-children"] li`).Length() != 2 {
		t.Fatal("only direct children are listed")
	}
	if href, _ := doc.Find(`[data-testid="invited-groups"] a`).Attr("href"); href != "/groups/globex" {
		t.Fatalf("invited group link %q", href)
	}
	id := strconv.FormatInt(acme.ID, 10)
	if href, _ := doc.Find(`[data-testid="new-subgroup"]`).Attr("href"); href != "/groups/new?parent_id="+id {
		t.Fatalf("New subgroup goes to %q", href)
	}
	if href, _ := doc.Find(`[data-testid="new-project"]`).Attr("href"); href != "/projects/new?namespace_id="+id {
		t.Fatalf("New project goes to %q", href)
	}

	res = c.get("/groups/acme/platform/infra")
	wantStatus(t, res, http.StatusOK)
	var crumbs []string
	res.Doc().Find(".gl-breadcrumb-item").Each(func(_ int, s *goquery.Selection) { crumbs = append(crumbs, strings.TrimSpace(s.Text())) })
	if strings.Join(crumbs, " / ") != "Acme / Platform / Infra" {
		t.Fatalf("breadcrumbs %v", crumbs)
	}
	if got := res.Text(`[data-testid="plan-badge"]`); got != "Ultimate" {
		t.Fatalf("a subgroup shows its root's plan, got %q", got)
	}
	if got := res.Text(`[data-testid="sidebar"] .sidebar-item.active`); got != "Group overview" {
		t.Fatalf("active sidebar item %q", got)
	}
}

func TestGroupPageChildrenArePaginated(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	for i := 1; i <= 12; i++ {
		a.mkGroup(acme, fmt.Sprintf("g%02d", i), fmt.Sprintf("G%02d", i), "")
		a.mkProject(acme, fmt.Sprintf("p%02d", i), fmt.Sprintf("P%02d", i))
	}
	c := a.as("owner")
	res := c.get("/groups/acme")
	if n := res.Doc().Find(`[data-testid="group-children"] li`).Length(); n != 20 {
		t.Fatalf("%d children on page 1", n)
	}
	res = c.get("/groups/acme?page=2")
	doc := res.Doc()
	if doc.Find(`[data-testid="child-group"]`).Length() != 0 || doc.Find(`[data-testid="child-project"]`).Length() != 4 {
		t.Fatal("page 2 holds the last 4 projects: subgroups come first")
	}
}
