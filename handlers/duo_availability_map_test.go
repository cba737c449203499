package handlers_test

import (
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
