package handlers_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// wantFrame checks the page frame GitLab's pages share: a skip link to the
// main content, the sidebar as a nav landmark with exactly one
// aria-current="page" item (want), under the GitLab section section ("" for
// a top-level item), and the checkbox that opens it on narrow windows.
func wantFrame(t *testing.T, res *response, section, want string) {
	t.Helper()
	wantStatus(t, res, http.StatusOK)
	doc := res.Doc()
	if href, _ := doc.Find(`a.skip-link`).First().Attr("href"); href != "#content-body" || doc.Find(`main#content-body`).Length() != 1 {
		t.Errorf("%s: skip link to %q, main#content-body %d", res.Request.URL.Path, href, doc.Find(`main#content-body`).Length())
	}
	nav := doc.Find(`nav.super-sidebar[aria-label]`)
	if nav.Length() != 1 {
		t.Fatalf("%s: %d sidebar nav landmarks, want 1", res.Request.URL.Path, nav.Length())
	}
	current := nav.Find(`a[aria-current="page"]`)
	if current.Length() != 1 || strings.TrimSpace(current.Text()) != want {
		t.Errorf("%s: current sidebar items %d %q, want one %q", res.Request.URL.Path, current.Length(), strings.TrimSpace(current.Text()), want)
	}
	got := ""
	current.ParentsFiltered(`details`).First().Find(`summary`).First().Each(func(_ int, s *goquery.Selection) { got = strings.TrimSpace(s.Text()) })
	if got != section {
		t.Errorf("%s: %q is under section %q, want %q", res.Request.URL.Path, want, got, section)
	}
	if doc.Find(`input#sidebar-toggle[type=checkbox]`).Length() != 1 || doc.Find(`label[for="sidebar-toggle"]`).Length() != 1 {
		t.Errorf("%s: no sidebar toggle (checkbox and its label)", res.Request.URL.Path)
	}
}

func TestFrameSidebarOnEveryKindOfPage(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	acme := a.acmeOwnedByOwner()
	a.mkProject(acme, "web", "Web")
	owner := a.as("owner")
	// Home and profile have their own sidebars ("Your work", "User settings").
	wantFrame(t, owner.get("/"), "", "Groups")
	wantFrame(t, owner.get("/-/profile/gitlab_duo"), "", "GitLab Duo")
	wantFrame(t, owner.get("/groups/acme"), "", "Group overview")
	wantFrame(t, owner.get("/groups/acme/-/group_members"), "Manage", "Members")
	wantFrame(t, owner.get("/groups/acme/-/edit"), "Settings", "General")
	wantFrame(t, owner.get("/groups/acme/-/audit_events"), "Secure", "Audit events")
	wantFrame(t, owner.get("/acme/web/edit"), "Settings", "General")
	wantFrame(t, a.as("admin").get("/admin/audit_events"), "Monitoring", "Audit events")
	wantFrame(t, a.as("admin").get("/admin"), "Overview", "Dashboard")
}

// On GitLab.com the seat table is Settings > Usage Quotas, as GitLab's
// group sidebar has it; the GitLab Duo page stays Settings > GitLab Duo.
func TestFrameUsageQuotasUnderGroupSettingsOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	a.acmeOwnedByOwner()
	owner := a.as("owner")
	res := owner.get("/groups/acme/-/usage_quotas/gitlab_duo")
	wantFrame(t, res, "Settings", "Usage Quotas")
	res = owner.get("/groups/acme")
	if n := res.Doc().Find(`nav.super-sidebar a[href="/groups/acme/-/usage_quotas/gitlab_duo"]`).Length(); n != 1 {
		t.Fatalf("the GitLab.com group sidebar links Usage Quotas %d times", n)
	}
}

// A signed-out page has no sidebar, hence no toggle for one.
func TestFrameSignInHasSkipLinkAndNoSidebar(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.client().get("/users/sign_in")
	wantStatus(t, res, http.StatusOK)
	if res.Doc().Find(`a.skip-link[href="#content-body"]`).Length() != 1 {
		t.Fatal("no skip link")
	}
	if res.Doc().Find(`#sidebar-toggle, nav.super-sidebar`).Length() != 0 {
		t.Fatal("a sidebar toggle without a sidebar")
	}
}

// Prose names a group by its name; a path is shown where a path is asked
// (the URL prefix of the new project's path).
func TestNewPagesNameTheGroupInProse(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	acme := a.acmeOwnedByOwner()
	sub := a.mkGroup(acme, "platform-team", "Platform Team", "")
	owner := a.as("owner")
	res := owner.get("/projects/new?namespace_id=" + strconv.FormatInt(sub.ID, 10))
	wantStatus(t, res, http.StatusOK)
	if got := res.Text(`.page-subtitle`); got != "Create a project in Platform Team." {
		t.Errorf("new project subtitle %q", got)
	}
	if !strings.Contains(res.Text(`.input-group-text`), "/acme/platform-team/") {
		t.Errorf("the path prefix %q is not the group's path", res.Text(`.input-group-text`))
	}
	res = owner.get("/groups/new?parent_id=" + strconv.FormatInt(acme.ID, 10))
	wantStatus(t, res, http.StatusOK)
	if got := res.Text(`.page-subtitle`); !strings.HasPrefix(got, "Create a subgroup in Acme.") {
		t.Errorf("new subgroup subtitle %q", got)
	}
}
