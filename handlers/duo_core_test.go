package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

const (
	duoCoreIntro = "When turned on, users can access features included in the GitLab Duo Core add-on. Which features are included?"
	duoCoreTerms = "By turning on these features, you accept the GitLab Duo AI Terms unless your organization has a separate agreement with GitLab that governs AI usage."
)

// duoCoreForm posts the switch as the browser does: the hidden 0, then
// the checkbox's 1 when ticked.
func duoCoreForm(availability string, on bool) url.Values {
	v := url.Values{"duo_core_features_enabled": {"0"}}
	if on {
		v.Add("duo_core_features_enabled", "1")
	}
	if availability != "" {
		v.Set("duo_availability", availability)
	}
	return v
}

func duoCoreCheckbox(t *testing.T, r *response) (checked, disabled bool) {
	t.Helper()
	box := r.Doc().Find(`input[type="checkbox"][name="duo_core_features_enabled"]`)
	if box.Length() != 1 {
		t.Fatalf("%d Duo Core checkboxes\n%s", box.Length(), snippet(r.Body))
	}
	_, checked = box.Attr("checked")
	_, disabled = box.Attr("disabled")
	return checked, disabled
}

func duoCoreAudits(t *testing.T, a *app) []models.AuditEvent {
	t.Helper()
	evs, err := a.store.RecentAuditEvents(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.AuditEvent
	for _, ev := range evs {
		if ev.Action == "duo_core_changed" {
			out = append(out, ev)
		}
	}
	return out
}

func TestAdminDuoCoreSwitch(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	c := a.as("admin")

	// A Free instance has no Duo Core: the switch is off and disabled.
	res := c.get("/admin/gitlab_duo/configuration")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-core"] h2`, "GitLab Duo Core")
	wantText(t, res, `[data-testid="duo-core"] > p`, duoCoreIntro)
	if _, disabled := duoCoreCheckbox(t, res); !disabled {
		t.Fatal("Duo Core can be switched on a Free instance")
	}
	wantText(t, res, `[data-testid="duo-core-unavailable"]`, "GitLab Duo Core is included with the Premium and Ultimate plans only.")
	res = c.post("/admin/gitlab_duo/configuration", duoCoreForm("default_on", true))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_core_features_enabled", "needs a Premium or Ultimate plan")

	if err := a.store.SetInstancePlan(ctx, models.ActorFor(a.users["admin"]), models.PlanPremium); err != nil {
		t.Fatal(err)
	}
	res = c.get("/admin/gitlab_duo/configuration")
	if checked, disabled := duoCoreCheckbox(t, res); checked || disabled {
		t.Fatalf("checked %v disabled %v", checked, disabled)
	}
	wantText(t, res, `[data-testid="duo-core-help"]`, "This setting applies to the entire instance. "+duoCoreTerms)
	if res.Doc().Find(`input[type="hidden"][name="duo_core_features_enabled"][value="0"]`).Length() != 1 {
		t.Fatal("no hidden 0 before the checkbox")
	}

	// On, in the same POST as the availability; audited.
	res = c.post("/admin/gitlab_duo/configuration", duoCoreForm("default_on", true))
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != "Application settings saved successfully." {
		t.Fatalf("flash %q", page.Flash())
	}
	if !a.duoInstance().DuoCoreFeaturesEnabled {
		t.Fatal("Duo Core not turned on")
	}
	evs := duoCoreAudits(t, a)
	if len(evs) != 1 || evs[0].ActorName != "admin" || evs[0].TargetType != "Instance" ||
		!strings.Contains(evs[0].Details, `"after":true`) {
		t.Fatalf("audit %+v", evs)
	}
	if checked, _ := duoCoreCheckbox(t, c.get("/admin/gitlab_duo/configuration")); !checked {
		t.Fatal("the page does not show Duo Core on")
	}
	// Unticked: the hidden 0 turns it off.
	wantStatus(t, c.post("/admin/gitlab_duo/configuration", duoCoreForm("default_on", false)), http.StatusSeeOther)
	if a.duoInstance().DuoCoreFeaturesEnabled || len(duoCoreAudits(t, a)) != 2 {
		t.Fatal("Duo Core not turned off")
	}

	// Always off: the switch is disabled and saving keeps its value.
	wantStatus(t, c.post("/admin/gitlab_duo/configuration", duoCoreForm("default_on", true)), http.StatusSeeOther)
	wantStatus(t, c.post("/admin/gitlab_duo/configuration", url.Values{"duo_availability": {"never_on"}, "confirm": {"1"}}), http.StatusSeeOther)
	res = c.get("/admin/gitlab_duo/configuration")
	if checked, disabled := duoCoreCheckbox(t, res); !checked || !disabled {
		t.Fatalf("Always off: checked %v disabled %v", checked, disabled)
	}
	wantText(t, res, `[data-testid="duo-core-unavailable"]`, "This setting only applies when GitLab Duo is available.")
	if res.Doc().Find(`input[type="hidden"][name="duo_core_features_enabled"]`).Length() != 0 {
		t.Fatal("a disabled switch would still post its hidden 0")
	}
	wantStatus(t, c.post("/admin/gitlab_duo/configuration", url.Values{"duo_availability": {"never_on"}}), http.StatusSeeOther)
	if !a.duoInstance().DuoCoreFeaturesEnabled {
		t.Fatal("saving with the switch disabled changed Duo Core")
	}

	// Auditors see it disabled and cannot post.
	s := a.as("support")
	if s.get("/admin/gitlab_duo/configuration").Doc().Find(`fieldset[disabled] input[name="duo_core_features_enabled"]`).Length() == 0 {
		t.Fatal("the auditor's switch is not disabled")
	}
	wantStatus(t, s.post("/admin/gitlab_duo/configuration", duoCoreForm("default_on", false)), http.StatusForbidden)
}

// Duo Core waits for the availability's confirmation step and travels
// through it.
func TestAdminDuoCoreThroughConfirmation(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.duoOrg()
	if err := a.store.SetInstancePlan(context.Background(), models.ActorFor(a.users["admin"]), models.PlanUltimate); err != nil {
		t.Fatal(err)
	}
	c := a.as("admin")
	res := c.post("/admin/gitlab_duo/configuration", duoCoreForm("default_off", true))
	wantStatus(t, res, http.StatusOK)
	fields := confirmFields(res)
	if got := fields["duo_core_features_enabled"]; len(got) != 2 || got[1] != "1" {
		t.Fatalf("confirmation re-posts duo core %v", got)
	}
	if a.duoInstance().DuoCoreFeaturesEnabled {
		t.Fatal("Duo Core changed before the confirmation")
	}
	wantStatus(t, c.post("/admin/gitlab_duo/configuration", fields), http.StatusSeeOther)
	st := a.duoInstance()
	if !st.DuoCoreFeaturesEnabled || st.DuoFeaturesEnabled {
		t.Fatalf("after confirming: duo core %v, duo on %v", st.DuoCoreFeaturesEnabled, st.DuoFeaturesEnabled)
	}
}

func TestGroupDuoCoreSwitchOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	o := a.duoOrg() // acme is Ultimate, owner its Owner
	c := a.as("owner")
	path := "/groups/acme/-/settings/gitlab_duo/configuration"

	res := c.get(path)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-core-help"]`, "This setting applies to the top-level group. "+duoCoreTerms)
	if checked, disabled := duoCoreCheckbox(t, res); checked || disabled {
		t.Fatalf("checked %v disabled %v", checked, disabled)
	}

	res = c.post(path, duoCoreForm("default_on", true))
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != "Group was successfully updated." {
		t.Fatalf("flash %q", page.Flash())
	}
	if !a.duoGroup(o.acme).DuoCoreFeaturesEnabled {
		t.Fatal("Duo Core not on for acme")
	}
	evs := duoCoreAudits(t, a)
	if len(evs) != 1 || evs[0].ActorName != "owner" || evs[0].TargetName != "acme" || *evs[0].NamespaceID != o.acme.ID {
		t.Fatalf("audit %+v", evs)
	}
	// Subgroups have no such page, and the store refuses them.
	wantStatus(t, c.get("/groups/acme/platform/-/settings/gitlab_duo/configuration"), http.StatusNotFound)
	wantStatus(t, c.post("/groups/acme/platform/-/settings/gitlab_duo/configuration", duoCoreForm("default_on", true)), http.StatusNotFound)
	err := a.store.SetGroupDuoCore(context.Background(), models.ActorFor(a.users["owner"]), a.duoGroup(o.platform), true)
	if !errors.Is(err, models.ErrDuoCoreRootOnly) || err.Error() != "can only be set for root group namespace" {
		t.Fatalf("subgroup: %v", err)
	}
	if a.duoGroup(o.platform).DuoCoreFeaturesEnabled {
		t.Fatal("a subgroup has Duo Core")
	}

	// A Free top-level group cannot have it.
	free := a.mkGroup(nil, "freebie", "Freebie", models.PlanFree)
	a.mkMember(models.GroupSource(free), a.users["owner"], models.Owner)
	res = c.get("/groups/freebie/-/settings/gitlab_duo/configuration")
	if _, disabled := duoCoreCheckbox(t, res); !disabled {
		t.Fatal("Free group's switch is enabled")
	}
	res = c.post("/groups/freebie/-/settings/gitlab_duo/configuration", duoCoreForm("default_on", true))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_core_features_enabled", "needs a Premium or Ultimate plan")

	// On GitLab.com the instance page has no Duo Core switch.
	if n := a.as("admin").get("/admin/gitlab_duo/configuration").Doc().Find(`[data-testid="duo-core"]`).Length(); n != 0 {
		t.Fatal("GitLab.com's instance page shows Duo Core")
	}
}
