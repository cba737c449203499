package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

const adminMapPath = "/admin/gitlab_duo/availability_map"

func mapStates(r *response, sel string) map[string]string {
	out := map[string]string{}
	r.Doc().Find(sel + ` [data-testid="map-node"]`).Each(func(_ int, s *goquery.Selection) {
		out[s.AttrOr("data-path", "")] = s.AttrOr("data-state", "")
	})
	return out
}

func TestAdminAvailabilityMap(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetGroup(o.platform, models.NeverOn)
	admin := a.as("admin")
	res := admin.get(adminMapPath)
	wantStatus(t, res, http.StatusOK)
	// 4 groups and 3 projects: platform, api, core, gateway off.
	wantText(t, res, `[data-testid="map-counts"]`, "3 groups and projects on, 4 off, 1 lock")
	got := mapStates(res, `[data-testid="map-tree"]`)
	if got["acme"] != "On" || got["acme/platform"] != "Always off" || got["acme/web"] != "On" {
		t.Fatalf("tree states %v", got)
	}
	// A subtree is a link.
	res = admin.get(adminMapPath + "?subtree=acme/platform")
	got = mapStates(res, `[data-testid="map-tree"]`)
	if got["acme/platform/api"] != "Always off" || got["acme/platform/core"] != "Always off" {
		t.Fatalf("subtree states %v", got)
	}
	wantText(t, res, `[data-path="acme/platform/api"] [data-testid="map-how"]`, "locked by acme/platform")
	// Only locked: the lock holder alone.
	res = admin.get(adminMapPath + "?locked=1")
	got = mapStates(res, `[data-testid="map-flat"]`)
	if len(got) != 1 || got["acme/platform"] != "Always off" {
		t.Fatalf("locked filter %v", got)
	}
	res = admin.get(adminMapPath + "?differs=1&q=platform")
	got = mapStates(res, `[data-testid="map-flat"]`)
	if _, ok := got["acme/platform"]; !ok || len(got) != 1 {
		t.Fatalf("differs filter %v", got)
	}

	// Export, then a dry run of a changed file, then apply.
	res = admin.get(adminMapPath + "/export.yaml")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "acme/platform: never_on") || !strings.Contains(res.Body, "instance: default_on") {
		t.Fatalf("export:\n%s", res.Body)
	}
	changed := strings.Replace(res.Body, "acme/platform: never_on", "acme/platform: default_on\n  acme/tools: never_on", 1)
	res = admin.post(adminMapPath+"/apply", url.Values{"yaml": {changed}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dry run: %s\n%s", res.Text(`[data-field="file"]`), changed)
	}
	wantText(t, res, `[data-testid="map-plan-summary"]`, "2 groups change, 1 project changes, 1 lock added, 1 lock removed")
	if a.duoAvailability(o.platform) != models.NeverOn {
		t.Fatal("the dry run wrote")
	}
	res = admin.post(adminMapPath+"/apply", url.Values{"yaml": {changed}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if a.duoAvailability(o.platform) != models.DefaultOn || a.duoAvailability(o.tools) != models.NeverOn {
		t.Fatal("apply did not write")
	}
	wantAudit(t, a, "duo_availability_applied", "instance", "admin")
	res = admin.post(adminMapPath+"/apply", url.Values{"yaml": {"groups:\n  nope: default_on\n"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
}

func TestGroupAvailabilityMapOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	a.duoOrg()
	other := a.mkGroup(nil, "other", "Other", models.PlanUltimate)
	a.mkProject(other, "secret", "Secret")
	owner := a.as("owner")
	res := owner.post("/groups/acme/-/settings/gitlab_duo/configuration", url.Values{"duo_availability": {"always_on"}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	path := "/groups/acme/-/settings/gitlab_duo/availability_map"
	res = owner.get(path)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="map-counts"]`, "7 groups and projects on, 0 off, 1 lock")
	if strings.Contains(res.Body, "other") {
		t.Fatal("the map shows another top-level group")
	}
	got := mapStates(a.as("owner").get(path+"?subtree=acme"), `[data-testid="map-tree"]`)
	if got["acme/platform"] != "Always on" || got["acme/web"] != "Always on" {
		t.Fatalf("states %v", got)
	}
	// Subgroups have no map of their own.
	wantStatus(t, owner.get("/groups/acme/platform/-/settings/gitlab_duo/availability_map"), http.StatusNotFound)
}

// A level with more groups than a page, and a filter with more matches
// than a page: both paginate in SQL, and the next page's link keeps the
// subtree and the filters (both databases).
func TestAvailabilityMapPaginates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		a := newApp(t, s, models.SelfManaged)
		o := a.duoOrg()
		big := a.mkGroup(o.acme, "big", "Big", "")
		var team51 *models.Group
		for i := range 53 {
			g := a.mkGroup(big, fmt.Sprintf("team%02d", i), "Team", "")
			if i == 51 {
				team51 = g
				a.mkProject(g, "svc", "Service")
			}
		}
		for i := range 52 {
			a.mkProject(big, fmt.Sprintf("proj%02d", i), "Project")
		}
		a.duoSetGroup(team51, models.NeverOn)
		admin := a.as("admin")
		wantText(t, admin.get(adminMapPath), `[data-testid="map-counts"]`, "112 groups and projects on, 2 off, 1 lock")

		res := admin.get(adminMapPath + "?subtree=acme/big")
		wantStatus(t, res, http.StatusOK)
		got := mapStates(res, `[data-testid="map-tree"]`)
		if _, ok := got["acme/big/team49"]; !ok || len(got) != 100 || got["acme/big/proj49"] != "On" {
			t.Fatalf("first page: %d nodes %v", len(got), got)
		}
		wantText(t, res, `[data-testid="map-level-range"]`, "Showing groups 1 to 50 of 53.")
		next := res.Doc().Find(`[data-testid="map-next"]`).AttrOr("href", "")
		u, _ := url.Parse(next)
		if u.Query().Get("subtree") != "acme/big" || u.Query().Get("page") != "2" {
			t.Fatalf("next page link %q", next)
		}
		res = admin.get(next)
		got = mapStates(res, `[data-testid="map-tree"]`)
		if got["acme/big/team51"] != "Always off" || got["acme/big/team51/svc"] != "Always off" || got["acme/big/proj51"] != "On" || len(got) != 6 {
			t.Fatalf("second page: %v", got)
		}
		if _, ok := got["acme/big/team49"]; ok {
			t.Fatal("the second page repeats the first")
		}
		if res.Doc().Find(`[data-testid="map-next"]`).Length() != 0 {
			t.Fatal("a third page offered")
		}
		wantStatus(t, admin.get(adminMapPath+"?subtree=nope/none"), http.StatusNotFound)

		// A search matching 53 groups and 53 projects, two pages.
		res = admin.get(adminMapPath + "?q=acme/big/&differs=")
		wantText(t, res, `[data-testid="map-groups-total"]`, "Groups (53)")
		wantText(t, res, `[data-testid="map-projects-total"]`, "Projects (53)")
		if n := len(mapStates(res, `[data-testid="map-flat"]`)); n != 100 {
			t.Fatalf("%d nodes on the first page of the search", n)
		}
		next = res.Doc().Find(`[data-testid="map-next"]`).AttrOr("href", "")
		u, _ = url.Parse(next)
		if u.Query().Get("q") != "acme/big/" || u.Query().Get("page") != "2" {
			t.Fatalf("next page link %q", next)
		}
		if n := len(mapStates(admin.get(next), `[data-testid="map-flat"]`)); n != 6 {
			t.Fatalf("%d nodes on the second page of the search", n)
		}
		// Only where it differs: team51 and its project (which does not
		// differ from team51), nothing else.
		got = mapStates(admin.get(adminMapPath+"?differs=1"), `[data-testid="map-flat"]`)
		if len(got) != 1 || got["acme/big/team51"] != "Always off" {
			t.Fatalf("differs: %v", got)
		}
		got = mapStates(admin.get(adminMapPath+"?locked=1&q=BIG"), `[data-testid="map-flat"]`)
		if len(got) != 1 || got["acme/big/team51"] != "Always off" {
			t.Fatalf("locked: %v", got)
		}
	})
}
