package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duoadmin/models"
)

// axe-core comes from npm (package.json devDependencies, pinned) and is
// read from node_modules by the tests only: the product never serves it.
const axePath = "../node_modules/axe-core/axe.min.js"

func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(axePath))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run `make assets`, which installs the pinned npm packages", err)
	}
	return string(b)
}

// axeViolation is what the test prints about one failed rule.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	Targets []struct {
		Target  []string `json:"target"`
		Summary string   `json:"failureSummary"`
		HTML    string   `json:"html"`
	} `json:"nodes"`
}

// wantNoAxeViolations runs axe-core's WCAG 2.1 A and AA rules (colour
// contrast included) on the page the browser shows; any violation fails.
func wantNoAxeViolations(t *testing.T, ctx context.Context, src, page string) {
	t.Helper()
	// Injected through DevTools, so the page's CSP is not in the way.
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Evaluate[bool](src+";true")); err != nil {
		t.Fatalf("%s: load axe-core: %v", page, err)
	}
	out, err := chromedp.Run(sctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag",
		values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]}).then((r) => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("%s: axe-core answered %q: %v", page, out, err)
	}
	for _, v := range vs {
		var where []string
		for i, n := range v.Targets {
			if i == 5 {
				where = append(where, fmt.Sprintf("… and %d more", len(v.Targets)-5))
				break
			}
			where = append(where, fmt.Sprintf("%s %s — %s", strings.Join(n.Target, " "), n.HTML, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
		t.Errorf("%s: axe %s (%s): %s\n\t%s", page, v.ID, v.Impact, v.Help, strings.Join(where, "\n\t"))
	}
}

// axeScreens opens each path and checks it with axe-core.
func axeScreens(t *testing.T, ctx context.Context, s *journeySite, src string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		open(t, ctx, s, p, 200)
		wantNoAxeViolations(t, ctx, src, p)
	}
}

// accessibilityOrg is a small organisation with something on every main
// screen: a purchase with seats used, a subgroup and projects, a lock,
// audit events.
func accessibilityOrg(t *testing.T, s *journeySite, d models.Deployment) *models.Group {
	t.Helper()
	bg := context.Background()
	acme := s.group(nil, "acme", "Acme Corp", models.PlanUltimate)
	owner := s.person("olivia", "Olivia Owner", true)
	s.member(acme, owner, models.Owner)
	dev := s.person("dev", "Dana Developer", false)
	s.member(acme, dev, models.Developer)
	platform := s.group(acme, "platform", "Platform", "")
	s.project(acme, "api", "API")
	s.project(platform, "web", "Web")
	if _, err := s.store.SetGroupDuoAvailability(bg, models.Automation, platform, models.NeverOn); err != nil {
		t.Fatal(err)
	}
	in := models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 10, ExpiresOn: models.Today().AddDays(335), PurchaseXID: "A-S00012345"}
	start := models.Today().AddDays(-30)
	in.StartedAt = &start
	if d == models.GitLabCom {
		in.NamespaceID = &acme.ID
	} else if err := s.store.SetInstancePlan(bg, models.Automation, models.PlanUltimate); err != nil {
		t.Fatal(err)
	}
	p, err := s.store.CreatePurchase(bg, models.Automation, d, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.AssignSeat(bg, models.Automation, p.ID, dev.ID); err != nil {
		t.Fatal(err)
	}
	return acme
}

const accessQuery = "?user=dev&feature=code_suggestions&context=ide&resource_kind=project&resource_path=acme%2Fapi"

// TestAccessibilitySelfManaged: axe-core finds nothing on the main screens
// an administrator (and, signed out, anyone) sees on self-managed.
func TestAccessibilitySelfManaged(t *testing.T) {
	src := axeSource(t)
	s := startJourneySite(t, models.SelfManaged)
	accessibilityOrg(t, s, models.SelfManaged)
	s.person("ada", "Ada Admin", true, "admin")
	ctx := journeyBrowser(t)
	axeScreens(t, ctx, s, src, "/users/sign_in")
	signInAs(t, ctx, s, "ada")
	axeScreens(t, ctx, s, src,
		"/admin/gitlab_duo",
		"/admin/gitlab_duo/seat_utilization",
		"/admin/gitlab_duo/access_check"+accessQuery,
		"/admin/gitlab_duo/configuration",
		"/admin/audit_events",
		"/admin/gitlab_duo/seat_utilization/usage",
		"/admin/gitlab_duo/availability_map",
	)
}

// TestAccessibilityGitLabCom: the same screens as a top-level group's
// owner sees them on GitLab.com.
func TestAccessibilityGitLabCom(t *testing.T) {
	src := axeSource(t)
	s := startJourneySite(t, models.GitLabCom)
	accessibilityOrg(t, s, models.GitLabCom)
	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "olivia")
	axeScreens(t, ctx, s, src,
		"/groups/acme/-/settings/gitlab_duo",
		"/groups/acme/-/usage_quotas/gitlab_duo",
		"/groups/acme/-/settings/gitlab_duo/access_check"+accessQuery,
		"/groups/acme/-/settings/gitlab_duo/configuration",
		"/groups/acme/-/audit_events",
		"/groups/acme/-/usage_quotas/gitlab_duo/usage",
		"/groups/acme/-/settings/gitlab_duo/availability_map",
	)
}
