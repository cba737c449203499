package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/storetest"
)

const (
	adminAccessCheck = "/admin/gitlab_duo/access_check"
	acmeAccessCheck  = "/groups/acme/-/settings/gitlab_duo/access_check"
)

var explainNodes = "A A0 B C D D1 D2 F G H I J K L M N R1 R2 R3 R4 RC"

func explainQuery(user, feature, ctx, kind, path string) string {
	v := url.Values{"user": {user}, "feature": {feature}, "context": {ctx}, "resource_kind": {kind}, "resource_path": {path}}
	return "?" + v.Encode()
}

// explainedFlow reads what the page says about the path: the highlighted nodes
// (sorted), the implied ones, and the steps listed as text (in order).
func explainedFlow(t *testing.T, r *response) (highlighted, implied, steps string) {
	t.Helper()
	var all, on, imp, st []string
	r.Doc().Find(`svg [data-node]`).Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("data-node", "") == "LK" {
			return // the lock source, drawn beside the path (#21)
		}
		all = append(all, s.AttrOr("data-node", ""))
		if s.AttrOr("data-on-path", "") == "true" {
			on = append(on, s.AttrOr("data-node", ""))
		}
		if _, ok := s.Attr("data-implied"); ok {
			imp = append(imp, s.AttrOr("data-node", ""))
		}
	})
	sort.Strings(all)
	if strings.Join(all, " ") != explainNodes {
		t.Fatalf("the diagram draws %v, want every node %s", all, explainNodes)
	}
	r.Doc().Find(`[data-testid="flow-steps"] li`).Each(func(_ int, s *goquery.Selection) {
		st = append(st, s.AttrOr("data-step", ""))
	})
	sort.Strings(on)
	return strings.Join(on, " "), strings.Join(imp, " "), strings.Join(st, " ")
}

// nodeLabel is a diagram node's text, its lines joined.
func nodeLabel(r *response, id string) string {
	var lines []string
	r.Doc().Find(`[data-node="` + id + `"] tspan`).Each(func(_ int, s *goquery.Selection) { lines = append(lines, s.Text()) })
	return strings.Join(lines, " ")
}

// wantExplained checks the verdict, the highlighted nodes and the text path.
func wantExplained(t *testing.T, r *response, verdict, reason, steps string) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	wantText(t, r, `[data-testid="verdict-title"]`, verdict)
	wantText(t, r, `[data-testid="verdict-reason"]`, reason)
	on, _, gotSteps := explainedFlow(t, r)
	if gotSteps != steps {
		t.Fatalf("text path %q, want %q", gotSteps, steps)
	}
	want := strings.Fields(steps)
	sort.Strings(want)
	if on != strings.Join(want, " ") {
		t.Fatalf("highlighted nodes %q, want exactly the path %q", on, strings.Join(want, " "))
	}
	// Every highlighted edge joins two steps of the path (or an implied check).
	r.Doc().Find(`[data-edge][data-on-path="true"]`).Each(func(_ int, s *goquery.Selection) {
		ends := strings.Split(s.AttrOr("data-edge", ""), "-")
		for _, e := range ends {
			if !strings.Contains(" "+steps+" ", " "+e+" ") && e != "A0" && e != "D1" {
				t.Fatalf("edge %s highlighted off the path %s", s.AttrOr("data-edge", ""), steps)
			}
		}
	})
}

// smExplainApp: a Premium instance with a Duo Pro purchase; dev holds a seat;
// acme/api is a project with GitLab Duo turned off.
func smExplainApp(t *testing.T) *app {
	a := newApp(t, storetest.Any(t), models.SelfManaged)
	ctx := context.Background()
	if err := a.store.SetInstancePlan(ctx, models.Automation, models.PlanPremium); err != nil {
		t.Fatal(err)
	}
	start := models.Today().AddDays(-3)
	p, err := a.store.CreatePurchase(ctx, models.Automation, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: 5, StartedAt: &start, ExpiresOn: models.Today().AddDays(200), PurchaseXID: "A-S1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.AssignSeat(ctx, models.Automation, p.ID, a.users["dev"].ID); err != nil {
		t.Fatal(err)
	}
	acme := a.acmeOwnedByOwner()
	api := a.mkProject(acme, "api", "API")
	if err := a.store.SetProjectDuoEnabled(ctx, models.Automation, api, false); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAdminAccessCheckSelfManaged(t *testing.T) {
	t.Parallel()
	a := smExplainApp(t)
	c := a.as("admin")
	res := c.get(adminAccessCheck)
	wantStatus(t, res, http.StatusOK)
	if res.Doc().Find(`[data-testid="verdict"]`).Length() != 0 || res.Doc().Find(`form[method="get"] select[name="feature"] option`).Length() != 15 {
		t.Fatal("the empty page shows a verdict or lacks the feature list")
	}
	wantText(t, res, `.sidebar-item.active`, "Access check")
	if !res.Doc().Find(`input[name="context"][value="ide"]`).Is("[checked]") {
		t.Fatal("IDE is not the default context")
	}

	res = c.get(adminAccessCheck + explainQuery("dev", "code_suggestions", "ide", "none", ""))
	wantExplained(t, res, "Allowed", access.ReasonAllowed, "A B D R1 RC")
	wantText(t, res, `[data-testid="verdict-tier"]`, "GitLab Duo Pro (duo_pro)")
	wantText(t, res, `[data-testid="verdict-message"]`, "Allowed through GitLab Duo Pro.")
	if _, imp, _ := explainedFlow(t, res); imp != "A0 D1" {
		t.Fatalf("implied checks %q", imp)
	}
	if res.Doc().Find(`[data-node="RC"] rect`).AttrOr("fill", "") != "#108548" {
		t.Fatal("the allowing end is not green")
	}
	if got := nodeLabel(res, "B"); got != "Instance has Duo features set to 'Always off'?" {
		t.Fatalf("self-managed B asks %q", got)
	}
	if href := res.Doc().Find(`[data-testid="api-link"]`).AttrOr("href", ""); href != "/api/v4/duo/access?context=ide&feature=code_suggestions&user=dev" {
		t.Fatalf("API link %q", href)
	}
	if got := res.Text(`[data-step="D"] .flow-answer`); got != "Yes — GitLab Duo Pro (instance)" {
		t.Fatalf("D answered %q", got)
	}

	res = c.get(adminAccessCheck + explainQuery("dev", "troubleshoot_job", "web_ui", "none", ""))
	wantExplained(t, res, "Not allowed", access.ReasonFeatureNotInTier, "A B D D1 D2")
	if res.Doc().Find(`[data-node="D2"] rect`).AttrOr("fill", "") != "#dd2b0e" {
		t.Fatal("the refusing end is not red")
	}

	res = c.get(adminAccessCheck + explainQuery("dev", "duo_chat", "web_ui", "project", "acme/api"))
	wantExplained(t, res, "Not allowed", access.ReasonResourceDisabled, "A B D R1 R2 R3")
	wantText(t, res, `[data-testid="verdict-message"]`, access.ResourceDisabledMessage)
	if href := res.Doc().Find(`[data-testid="api-link"]`).AttrOr("href", ""); !strings.Contains(href, "project=acme%2Fapi") {
		t.Fatalf("API link %q", href)
	}

	res = c.get(adminAccessCheck + explainQuery("owner", "code_suggestions", "ide", "unknown_origin", ""))
	wantExplained(t, res, "Not allowed", access.ReasonNoSeat, "A B D F G")
	if res.Doc().Find(`[data-testid="verdict-request-seat"] a[href="/-/profile/gitlab_duo#request-seat"]`).Length() != 1 {
		t.Error("the no-seat verdict does not say where to request a seat")
	}

	if err := a.store.SetInstanceDuoCore(context.Background(), models.Automation, true); err != nil {
		t.Fatal(err)
	}
	res = c.get(adminAccessCheck + explainQuery("owner", "code_suggestions", "web_ide", "group", "acme"))
	wantExplained(t, res, "Allowed", access.ReasonAllowed, "A B D F H J L M")
	wantText(t, res, `[data-testid="verdict-tier"]`, "GitLab Duo Core (duo_core)")

	if _, err := a.store.SetInstanceDuoAvailability(context.Background(), models.Automation, models.NeverOn); err != nil {
		t.Fatal(err)
	}
	res = c.get(adminAccessCheck + explainQuery("dev", "code_suggestions", "ide", "none", ""))
	wantExplained(t, res, "Not allowed", access.ReasonInstanceNeverOn, "A B C")
	wantText(t, res, `[data-step="B"] .flow-answer`, "Yes")
}

func TestAccessCheckRejectsBadInputWith422(t *testing.T) {
	t.Parallel()
	a := smExplainApp(t)
	c := a.as("admin")
	cases := []struct {
		query, field, msg string
	}{
		{explainQuery("", "code_suggestions", "ide", "none", ""), "user", "can't be blank"},
		{explainQuery("nobody", "code_suggestions", "ide", "none", ""), "user", "does not exist"},
		{explainQuery("dev", "time_travel", "ide", "none", ""), "feature", "is not a known feature: one of code_suggestions, duo_chat"},
		{explainQuery("dev", "duo_chat", "terminal", "none", ""), "context", "must be IDE, Web UI or Web IDE"},
		{explainQuery("dev", "duo_chat", "ide", "planet", ""), "resource_kind", "is not a valid choice"},
		{explainQuery("dev", "duo_chat", "ide", "group", ""), "resource_path", "can't be blank for a group"},
		{explainQuery("dev", "duo_chat", "ide", "project", "acme/nope"), "resource_path", "does not exist"},
	}
	for _, tc := range cases {
		res := c.get(adminAccessCheck + tc.query)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		got := res.Text(`.field-error[data-field="` + tc.field + `"]`)
		if !strings.HasPrefix(got, tc.msg) {
			t.Errorf("%s: %s error %q, want %q", tc.query, tc.field, got, tc.msg)
		}
		if res.Doc().Find(`[data-testid="verdict"]`).Length() != 0 {
			t.Errorf("%s: a verdict next to errors", tc.query)
		}
		// The form keeps what was typed.
		if tc.field == "resource_path" && res.Doc().Find(`input[name="resource_path"]`).AttrOr("value", "") != "acme/nope" && strings.Contains(tc.query, "nope") {
			t.Errorf("the path was not kept")
		}
	}
}

func TestAdminAccessCheckAccess(t *testing.T) {
	t.Parallel()
	a := smExplainApp(t)
	q := explainQuery("dev", "code_suggestions", "ide", "none", "")
	res := a.as("support").get(adminAccessCheck + q)
	wantExplained(t, res, "Allowed", access.ReasonAllowed, "A B D R1 RC")
	if res.Doc().Find(`[data-testid="api-link"]`).Length() != 1 {
		t.Fatal("auditors may ask the API about anyone: the link is missing")
	}
	wantStatus(t, a.as("dev").get(adminAccessCheck+q), http.StatusNotFound)
	wantStatus(t, a.as("owner").get(adminAccessCheck+q), http.StatusNotFound)
}

// comExplainApp: GitLab.com, acme (Ultimate, Duo Core on) owned by owner with
// dev a developer; outsider belongs to no group; other is another group.
func comExplainApp(t *testing.T) *app {
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	acme := a.acmeOwnedByOwner()
	a.mkMember(models.GroupSource(acme), a.users["dev"], models.Developer)
	a.mkProject(acme, "web", "Web")
	other := a.mkGroup(nil, "other", "Other", models.PlanPremium)
	a.mkProject(other, "x", "X")
	a.users["outsider"] = a.mustUser(models.UserInput{Username: "outsider", Name: "Out Sider", Email: "out@example.com", Password: testPassword})
	if err := a.store.SetGroupDuoCore(context.Background(), models.Automation, acme, true); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGroupAccessCheckForOwners(t *testing.T) {
	t.Parallel()
	a := comExplainApp(t)
	c := a.as("owner")
	res := c.get(acmeAccessCheck + explainQuery("dev", "duo_chat", "ide", "project", "acme/web"))
	wantExplained(t, res, "Allowed", access.ReasonAllowed, "A B D F H J L M")
	if got := nodeLabel(res, "B"); got != "Member of Premium/Ultimate group?" {
		t.Fatalf("GitLab.com B asks %q", got)
	}
	if res.Doc().Find(`[data-testid="api-link"]`).Length() != 0 {
		t.Fatal("the API answers an owner only about themselves: no link")
	}
	wantText(t, res, `.sidebar-item.active`, "Access check")

	res = c.get(acmeAccessCheck + explainQuery("dev", "duo_chat", "web_ui", "none", ""))
	wantExplained(t, res, "Not allowed", access.ReasonDuoCoreIDEOnly, "A B D F H I")

	res = c.get(acmeAccessCheck + explainQuery("owner", "code_suggestions", "ide", "none", ""))
	wantExplained(t, res, "Allowed", access.ReasonAllowed, "A B D F H J K")
	if res.Doc().Find(`[data-testid="api-link"]`).Length() != 1 {
		t.Fatal("an owner may ask the API about themselves")
	}

	res = c.get(acmeAccessCheck + explainQuery("outsider", "code_suggestions", "ide", "none", ""))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, `.field-error[data-field="user"]`, "is not a member of this group")
	res = c.get(acmeAccessCheck + explainQuery("dev", "code_suggestions", "ide", "project", "other/x"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, `.field-error[data-field="resource_path"]`, "must be acme or inside it")

	wantStatus(t, a.as("dev").get(acmeAccessCheck), http.StatusNotFound)
	wantExplained(t, a.as("support").get(acmeAccessCheck+explainQuery("dev", "code_suggestions", "ide", "none", "")),
		"Allowed", access.ReasonAllowed, "A B D F H J K")
}

func TestAdminAccessCheckGitLabCom(t *testing.T) {
	t.Parallel()
	a := comExplainApp(t)
	res := a.as("admin").get(adminAccessCheck + explainQuery("outsider", "code_suggestions", "ide", "none", ""))
	wantExplained(t, res, "Not allowed", access.ReasonNotInPaidGroup, "A B C")
	wantText(t, res, `[data-step="B"] .flow-answer`, "No")

	if _, err := a.store.ChangeUserState(context.Background(), models.Automation, a.users["dev"].ID,
		[]models.UserState{models.StateActive}, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	res = a.as("admin").get(adminAccessCheck + explainQuery("dev", "code_suggestions", "ide", "none", ""))
	wantExplained(t, res, "Not allowed", access.ReasonUserInactive, "A A0 C")
}
