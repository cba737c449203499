package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// duoOrg is the fixture of the Duo screens: acme (owner is its Owner) >
// acme/platform > acme/platform/api, plus acme/tools; projects acme/web,
// acme/platform/core and acme/platform/api/gateway.
type duoOrg struct {
	acme, platform, api, tools *models.Group
	web, core, gateway         *models.Project
}

func (a *app) duoOrg() duoOrg {
	a.t.Helper()
	var o duoOrg
	o.acme = a.mkGroup(nil, "acme", "Acme", models.PlanUltimate)
	a.mkMember(models.GroupSource(o.acme), a.users["owner"], models.Owner)
	o.platform = a.mkGroup(o.acme, "platform", "Platform", "")
	o.api = a.mkGroup(o.platform, "api", "API", "")
	o.tools = a.mkGroup(o.acme, "tools", "Tools", "")
	o.web = a.mkProject(o.acme, "web", "Web")
	o.core = a.mkProject(o.platform, "core", "Core")
	o.gateway = a.mkProject(o.api, "gateway", "Gateway")
	return o
}

func (a *app) duoSetGroup(g *models.Group, av models.Availability) {
	a.t.Helper()
	fresh := a.duoGroup(g)
	if _, err := a.store.SetGroupDuoAvailability(context.Background(), models.ActorFor(a.users["admin"]), fresh, av); err != nil {
		a.t.Fatalf("set %s to %s: %v", g.FullPath, av, err)
	}
}

func (a *app) duoSetInstance(av models.Availability) {
	a.t.Helper()
	if _, err := a.store.SetInstanceDuoAvailability(context.Background(), models.ActorFor(a.users["admin"]), av); err != nil {
		a.t.Fatal(err)
	}
}

func (a *app) duoGroup(g *models.Group) *models.Group {
	a.t.Helper()
	fresh, err := a.store.GroupByID(context.Background(), g.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	return fresh
}

func (a *app) duoProject(p *models.Project) *models.Project {
	a.t.Helper()
	fresh, err := a.store.ProjectByID(context.Background(), p.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	return fresh
}

func (a *app) duoInstance() *models.InstanceSettings {
	a.t.Helper()
	st, err := a.store.InstanceSettings(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	return st
}

func (a *app) duoAvailability(g *models.Group) models.Availability {
	a.t.Helper()
	st, err := a.store.GroupDuo(context.Background(), a.duoGroup(g))
	if err != nil {
		a.t.Fatal(err)
	}
	return st.Availability()
}

func (a *app) duoAuditCount() int {
	a.t.Helper()
	evs, err := a.store.RecentAuditEvents(context.Background(), 10000)
	if err != nil {
		a.t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == "duo_availability_changed" {
			n++
		}
	}
	return n
}

func duoForm(av string) url.Values { return url.Values{"duo_availability": {av}} }

// checkedDuo is the value of the checked duo_availability radio.
func checkedDuo(t *testing.T, r *response) string {
	t.Helper()
	v, _ := r.Doc().Find(`input[name="duo_availability"]:checked`).Attr("value")
	return v
}

func wantText(t *testing.T, r *response, sel, want string) {
	t.Helper()
	if got := strings.Join(strings.Fields(r.Text(sel)), " "); got != want {
		t.Fatalf("%s = %q, want %q", sel, got, want)
	}
}

func wantDisabledRadios(t *testing.T, r *response, want bool) {
	t.Helper()
	// The setting's own radios (not the enforcement form's, #21).
	radios := r.Doc().Find(`[data-testid="duo-availability"] input[name="duo_availability"]`)
	// GitLab's three, and Always on where it is offered or applies (#21).
	if n := radios.Length(); n != 3 && (n != 4 || radios.Filter(`[value="always_on"]`).Length() != 1) {
		t.Fatalf("%d duo_availability radios, want 3 (or 4 with always_on)", n)
	}
	radios.Each(func(_ int, s *goquery.Selection) {
		if _, disabled := s.Attr("disabled"); disabled != want {
			v, _ := s.Attr("value")
			t.Fatalf("radio %s disabled=%v, want %v", v, disabled, want)
		}
	})
}

func wantFieldError(t *testing.T, r *response, field, want string) {
	t.Helper()
	if got := r.Text(`.field-error[data-field="` + field + `"]`); got != want {
		t.Fatalf("field error of %s = %q, want %q\n%s", field, got, want, snippet(r.Body))
	}
}

// confirmFields are the hidden fields of the confirmation form but the token.
func confirmFields(r *response) url.Values {
	out := url.Values{}
	r.Doc().Find(`[data-testid="duo-confirm-form"] input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		v, _ := s.Attr("value")
		if name != "authenticity_token" {
			out.Add(name, v)
		}
	})
	return out
}

// wantCancelPostsBack: the confirmation's Cancel is a button of its form,
// left of the action, posting cancel=1 with the fields.
func wantCancelPostsBack(t *testing.T, res *response) {
	t.Helper()
	buttons := res.Doc().Find(`[data-testid="duo-confirm-form"] button`)
	if buttons.Length() != 2 || buttons.First().AttrOr("data-testid", "") != "confirm-cancel" {
		t.Fatalf("want Cancel then the action, got %d buttons starting %q", buttons.Length(), buttons.First().Text())
	}
	if buttons.First().AttrOr("name", "") != "cancel" || buttons.First().AttrOr("value", "") != "1" {
		t.Fatal("Cancel does not post cancel=1")
	}
}

func auditDetails(t *testing.T, ev models.AuditEvent) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(ev.Details), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAdminDuoConfigurationShowsTheInstanceSetting(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.as("admin").get("/admin/gitlab_duo/configuration")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "h1", "GitLab Duo")
	wantText(t, res, `[data-testid="duo-configuration"] h2`, "Configuration")
	wantText(t, res, "#duo_availability_help", "Control whether GitLab Duo is available for the instance.")
	if got := checkedDuo(t, res); got != "default_on" {
		t.Fatalf("checked %q, want default_on", got)
	}
	for av, help := range map[string]string{
		"default_on":  "On by default GitLab Duo is available by default. Groups, subgroups, and projects can opt out individually.",
		"default_off": "Off by default GitLab Duo is unavailable by default. Groups, subgroups, and projects can opt in individually.",
		"never_on":    "Always off GitLab Duo is always unavailable. Groups, subgroups, and projects cannot opt in.",
	} {
		wantText(t, res, `label[for="duo_availability_`+av+`"]`, help)
	}
	wantDisabledRadios(t, res, false)
	wantText(t, res, `[data-testid="duo-turn-off-warning"]`, "When you save, GitLab Duo will be turned off for all groups, subgroups, and projects.")
	wantText(t, res, `[data-testid="duo-effective"]`, "Effective: On — Set here")
	wantText(t, res, `[data-testid="save-changes"]`, "Save changes")
	wantText(t, res, `.sidebar-item.active`, "GitLab Duo")
	if res.Doc().Find(`fieldset[disabled]`).Length() != 0 {
		t.Fatal("the admin's form is disabled")
	}
}

func TestAdminDuoConfigurationConfirmsThenResetsEverything(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetGroup(o.tools, models.DefaultOff) // already off: not counted
	c := a.as("admin")
	before := a.duoAuditCount()

	res := c.post("/admin/gitlab_duo/configuration", duoForm("default_off"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-reset-message"]`, "This resets 3 groups and 3 projects to Off by default.")
	wantText(t, res, `[data-testid="confirm-submit"]`, "Change to Off by default")
	wantCancelPostsBack(t, res)
	if action, _ := res.Doc().Find(`[data-testid="duo-confirm-form"]`).Attr("action"); action != "/admin/gitlab_duo/configuration" {
		t.Fatalf("confirmation posts to %q", action)
	}
	fields := confirmFields(res)
	if fields.Get("duo_availability") != "default_off" || fields.Get("confirm") != "1" {
		t.Fatalf("confirmation re-posts %v", fields)
	}
	if !a.duoInstance().DuoFeaturesEnabled || a.duoAuditCount() != before {
		t.Fatal("asking for confirmation changed the setting")
	}

	res = c.post("/admin/gitlab_duo/configuration", fields)
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin/gitlab_duo/configuration" {
		t.Fatalf("Location %q", loc)
	}
	page := c.follow(res)
	if page.Flash() != "Application settings saved successfully." {
		t.Fatalf("flash %q", page.Flash())
	}
	if got := checkedDuo(t, page); got != "default_off" {
		t.Fatalf("checked %q after saving", got)
	}
	wantText(t, page, `[data-testid="duo-effective"]`, "Effective: Off — Set here")
	st := a.duoInstance()
	if st.DuoFeaturesEnabled || st.LockDuoFeaturesEnabled {
		t.Fatalf("instance is %v/%v, want off and unlocked", st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled)
	}
	for _, p := range []*models.Project{o.web, o.core, o.gateway} {
		if a.duoProject(p).DuoFeaturesEnabled {
			t.Fatalf("project %s still on", p.FullPath)
		}
	}
	ev := wantAudit(t, a, "duo_availability_changed", "instance", "admin")
	d := auditDetails(t, ev)
	if got := d["duo_availability"]; got.(map[string]any)["before"] != "default_on" || got.(map[string]any)["after"] != "default_off" {
		t.Fatalf("audit duo_availability %v", got)
	}
}

func TestAdminDuoConfigurationSingularCountsAndDirectSave(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.as("admin")
	// Nothing to reset: saved at once.
	res := c.post("/admin/gitlab_duo/configuration", duoForm("default_off"))
	wantStatus(t, res, http.StatusSeeOther)
	if a.duoInstance().DuoFeaturesEnabled {
		t.Fatal("not saved")
	}
	a.duoSetInstance(models.DefaultOn)
	g := a.mkGroup(nil, "solo", "Solo", models.PlanFree)
	a.mkProject(g, "one", "One")
	res = c.post("/admin/gitlab_duo/configuration", duoForm("never_on"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-reset-message"]`, "GitLab Duo will be always off for the whole instance, in 1 group and 1 project. No group, subgroup, or project can turn it on.")
	wantText(t, res, `[data-testid="confirm-submit"]`, "Lock 2 groups and projects")
}

func TestAdminDuoConfigurationRejectsUnknownOption(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	before := a.duoAuditCount()
	res := a.as("admin").post("/admin/gitlab_duo/configuration", duoForm("sometimes_on"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_availability", "must be one of always_on, default_on, default_off, never_on")
	if got := checkedDuo(t, res); got != "default_on" {
		t.Fatalf("re-rendered with %q checked", got)
	}
	if !a.duoInstance().DuoFeaturesEnabled || a.duoAuditCount() != before {
		t.Fatal("an invalid option changed something")
	}
}

func TestAdminDuoConfigurationOnGitLabComIsReadOnly(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	c := a.as("admin")
	res := c.get("/admin/gitlab_duo/configuration")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-gitlab-com"]`, "On GitLab.com the instance setting is always On by default.")
	if res.Doc().Find(`[data-testid="duo-configuration-form"] > fieldset[disabled]`).Length() != 1 {
		t.Fatal("the form is not disabled on GitLab.com")
	}
	if res.Doc().Find(`[data-testid="save-changes"]`).Length() != 0 {
		t.Fatal("Save changes is offered on GitLab.com")
	}
	if got := checkedDuo(t, res); got != "default_on" {
		t.Fatalf("checked %q", got)
	}
	if res.Doc().Find(`a.sidebar-item[href="/admin/gitlab_duo/configuration"]`).Length() != 0 {
		t.Fatal("the admin sidebar links GitLab Duo on GitLab.com")
	}
	res = c.post("/admin/gitlab_duo/configuration", duoForm("never_on"))
	wantStatus(t, res, http.StatusForbidden)
	if st := a.duoInstance(); !st.DuoFeaturesEnabled || st.LockDuoFeaturesEnabled {
		t.Fatal("the POST changed the instance setting")
	}
}

func TestGroupEditShowsInheritedSettingAndSaves(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetGroup(o.acme, models.DefaultOff)
	// Created after the change, so it stores nothing and inherits.
	fresh := a.mkGroup(o.platform, "fresh", "Fresh", "")
	c := a.as("owner")

	res := c.get("/groups/acme/platform/fresh/-/edit")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="permissions-settings"] h2`, "Permissions and group features")
	wantText(t, res, "#duo_availability_help", "Control whether GitLab Duo is available for this group.")
	wantText(t, res, `label[for="duo_availability_default_on"]`, "On by default GitLab Duo is available by default. Subgroups and projects can opt out individually.")
	wantText(t, res, `label[for="duo_availability_never_on"]`, "Always off GitLab Duo is always unavailable. Subgroups and projects cannot opt in.")
	if got := checkedDuo(t, res); got != "default_off" {
		t.Fatalf("checked %q, want default_off", got)
	}
	wantText(t, res, `[data-testid="duo-effective"]`, "Effective: Off — Inherited from acme/platform")
	wantDisabledRadios(t, res, false)
	wantText(t, res, `.sidebar-item.active`, "General")
	if res.Doc().Find(`[data-testid="duo-lock"]`).Length() != 0 {
		t.Fatal("an unlocked group shows the lock")
	}

	// fresh has no descendants: saved without a confirmation step.
	res = c.post("/groups/acme/platform/fresh/-/edit", duoForm("default_on"))
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/groups/acme/platform/fresh/-/edit" {
		t.Fatalf("Location %q", loc)
	}
	page := c.follow(res)
	if page.Flash() != "Group 'Fresh' was successfully updated." {
		t.Fatalf("flash %q", page.Flash())
	}
	wantText(t, page, `[data-testid="duo-effective"]`, "Effective: On — Set here")
	if g := a.duoGroup(fresh); g.DuoFeaturesEnabled == nil || !*g.DuoFeaturesEnabled || g.LockDuoFeaturesEnabled {
		t.Fatalf("fresh stored %v/%v", g.DuoFeaturesEnabled, g.LockDuoFeaturesEnabled)
	}
	wantAudit(t, a, "duo_availability_changed", "acme/platform/fresh", "owner")
	if a.duoAvailability(o.platform) != models.DefaultOff {
		t.Fatal("the parent changed")
	}
}

func TestGroupEditConfirmsResetOfDescendants(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	c := a.as("owner")
	before := a.duoAuditCount()

	res := c.post("/groups/acme/-/edit", duoForm("default_off"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-reset-message"]`, "This resets 3 subgroups and 3 projects to Off by default.")
	wantCancelPostsBack(t, res)
	if a.duoAuditCount() != before || a.duoAvailability(o.acme) != models.DefaultOn {
		t.Fatal("asking for confirmation changed the setting")
	}
	// Cancel lands back on the unchanged form.
	back := c.get("/groups/acme/-/edit")
	wantStatus(t, back, http.StatusOK)
	if got := checkedDuo(t, back); got != "default_on" {
		t.Fatalf("after Cancel checked %q", got)
	}

	res = c.post("/groups/acme/-/edit", confirmFields(res))
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != "Group 'Acme' was successfully updated." {
		t.Fatalf("flash %q", page.Flash())
	}
	for _, g := range []*models.Group{o.acme, o.platform, o.api, o.tools} {
		if fresh := a.duoGroup(g); fresh.DuoFeaturesEnabled == nil || *fresh.DuoFeaturesEnabled {
			t.Fatalf("%s stored %v, want false", g.FullPath, fresh.DuoFeaturesEnabled)
		}
	}
	for _, p := range []*models.Project{o.web, o.core, o.gateway} {
		if a.duoProject(p).DuoFeaturesEnabled {
			t.Fatalf("project %s still on", p.FullPath)
		}
	}
	d := auditDetails(t, wantAudit(t, a, "duo_availability_changed", "acme", "owner"))
	if reset := d["descendants_reset"].(map[string]any); reset["subgroups"] != 3.0 || reset["projects"] != 3.0 {
		t.Fatalf("audit descendants_reset %v", reset)
	}
}

func TestGroupEditCountsTwoSubgroupsAndThreeProjects(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	g := a.mkGroup(nil, "acme", "Acme", models.PlanUltimate)
	s1 := a.mkGroup(g, "one", "One", "")
	s2 := a.mkGroup(g, "two", "Two", "")
	a.mkProject(g, "p1", "P1")
	a.mkProject(s1, "p2", "P2")
	a.mkProject(s2, "p3", "P3")
	res := a.as("admin").post("/groups/acme/-/edit", duoForm("default_off"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-reset-message"]`, "This resets 2 subgroups and 3 projects to Off by default.")
}

func TestGroupEditLockedByAncestor(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetGroup(o.platform, models.NeverOn)
	c := a.as("owner")

	res := c.get("/groups/acme/platform/api/-/edit")
	wantStatus(t, res, http.StatusOK)
	wantDisabledRadios(t, res, true)
	if got := checkedDuo(t, res); got != "never_on" {
		t.Fatalf("checked %q, want never_on", got)
	}
	wantText(t, res, `[data-testid="duo-lock"] .gl-alert-title`, "Setting cannot be changed")
	wantText(t, res, `[data-testid="duo-lock"] .gl-alert-body`, "This setting has been enforced by an owner of Acme / Platform.")
	if href, _ := res.Doc().Find(`[data-testid="duo-lock-ancestor"]`).Attr("href"); href != "/groups/acme/platform" {
		t.Fatalf("ancestor link %q", href)
	}
	if res.Doc().Find(`label[for="duo_availability_never_on"] [data-testid="duo-lock-icon"]`).Length() != 1 {
		t.Fatal("no lock icon by Always off")
	}
	wantText(t, res, `[data-testid="duo-effective"]`, "Effective: Off — Enforced by acme/platform")

	before := a.duoAuditCount()
	res = c.post("/groups/acme/platform/api/-/edit", duoForm("default_on"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_availability", "cannot be changed because it is locked by an ancestor")
	// Re-rendered with what the lock decides, not what was asked for.
	wantDisabledRadios(t, res, true)
	if got := checkedDuo(t, res); got != "never_on" {
		t.Fatalf("re-rendered with %q checked", got)
	}
	if a.duoAuditCount() != before || a.duoAvailability(o.api) != models.NeverOn {
		t.Fatal("a locked group changed")
	}
	// The disabled radios send nothing: saving the form keeps the lock.
	res = c.post("/groups/acme/platform/api/-/edit", url.Values{})
	wantStatus(t, res, http.StatusSeeOther)
	if a.duoAuditCount() != before {
		t.Fatal("saving without the radios changed something")
	}
}

func TestGroupEditLockedByInstance(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.duoOrg()
	a.duoSetInstance(models.NeverOn)
	res := a.as("owner").get("/groups/acme/-/edit")
	wantStatus(t, res, http.StatusOK)
	wantDisabledRadios(t, res, true)
	wantText(t, res, `[data-testid="duo-lock"] .gl-alert-body`, "An administrator selected this setting for the instance and you cannot change it.")
	wantText(t, res, `[data-testid="duo-effective"]`, "Effective: Off — Enforced by an instance administrator")
}

func TestGroupEditRejectsUnknownOption(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.duoOrg()
	res := a.as("owner").post("/groups/acme/-/edit", duoForm("sometimes"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_availability", "must be one of always_on, default_on, default_off, never_on")
}

func TestGroupEditOnGitLabComLinksTopLevelGroupsToConfiguration(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	a.duoOrg()
	c := a.as("owner")
	res := c.get("/groups/acme/-/edit")
	wantStatus(t, res, http.StatusOK)
	if res.Doc().Find(`input[name="duo_availability"]`).Length() != 0 {
		t.Fatal("a GitLab.com top-level group shows the radios on /-/edit")
	}
	link := res.Doc().Find(`[data-testid="configure-duo"]`)
	if href, _ := link.Attr("href"); href != "/groups/acme/-/settings/gitlab_duo/configuration" || strings.TrimSpace(link.Text()) != "Configure GitLab Duo" {
		t.Fatalf("link %q %q", strings.TrimSpace(link.Text()), href)
	}
	wantText(t, res, `[data-testid="duo-effective"]`, "Effective: On — Inherited from the instance")
	if res.Doc().Find(`a.sidebar-item[href="/groups/acme/-/settings/gitlab_duo"]`).Length() != 1 {
		t.Fatal("no GitLab Duo item in the top-level group's sidebar")
	}
	// Subgroups keep the radios on GitLab.com.
	res = c.get("/groups/acme/platform/-/edit")
	wantStatus(t, res, http.StatusOK)
	wantDisabledRadios(t, res, false)
	if res.Doc().Find(`a.sidebar-item[href$="/-/settings/gitlab_duo"]`).Length() != 0 {
		t.Fatal("a subgroup's sidebar links a GitLab Duo configuration page")
	}
}

func TestGroupDuoConfigurationOnGitLabCom(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	o := a.duoOrg()
	c := a.as("owner")
	const path = "/groups/acme/-/settings/gitlab_duo/configuration"

	res := c.get(path)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "h1", "GitLab Duo")
	wantText(t, res, "#duo_availability_help", "Control whether GitLab Duo is available for this group.")
	wantText(t, res, `label[for="duo_availability_default_off"]`, "Off by default GitLab Duo is unavailable by default. Subgroups and projects can opt in individually.")
	if got := checkedDuo(t, res); got != "default_on" {
		t.Fatalf("checked %q", got)
	}
	wantText(t, res, `[data-testid="duo-effective"]`, "Effective: On — Inherited from the instance")
	wantText(t, res, `label[for="experiment_features_enabled"]`, "Turn on experiment and beta GitLab Duo features By turning on these features, you accept the GitLab Testing Agreement.")
	if _, disabled := res.Doc().Find(`#experiment_features_enabled`).Attr("disabled"); disabled {
		t.Fatal("experiment checkbox disabled while GitLab Duo is on")
	}
	wantText(t, res, `.sidebar-item.active`, "GitLab Duo")

	// Turning on experiment features alone resets nothing.
	res = c.post(path, url.Values{"duo_availability": {"default_on"}, "experiment_features_enabled": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.follow(res); page.Flash() != "Group was successfully updated." {
		t.Fatalf("flash %q", page.Flash())
	}
	if !a.duoGroup(o.acme).ExperimentFeaturesEnabled {
		t.Fatal("experiment features not turned on")
	}

	// Always off resets the subtree: confirmation first.
	res = c.post(path, url.Values{"duo_availability": {"never_on"}, "experiment_features_enabled": {"1"}})
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="duo-reset-message"]`, "GitLab Duo will be always off in Acme, its 3 subgroups, and its 3 projects. No subgroup or project in it can turn it on.")
	wantText(t, res, `[data-testid="confirm-submit"]`, "Lock 6 subgroups and projects")
	fields := confirmFields(res)
	if fields.Get("experiment_features_enabled") != "1" || fields.Get("duo_availability") != "never_on" {
		t.Fatalf("confirmation re-posts %v", fields)
	}
	res = c.post(path, fields)
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != path {
		t.Fatalf("Location %q", loc)
	}
	g := a.duoGroup(o.acme)
	if !g.LockDuoFeaturesEnabled || g.DuoFeaturesEnabled == nil || *g.DuoFeaturesEnabled || g.ExperimentFeaturesEnabled {
		t.Fatalf("acme stored %v/%v experiment %v, want Always off without experiments", g.DuoFeaturesEnabled, g.LockDuoFeaturesEnabled, g.ExperimentFeaturesEnabled)
	}
	wantAudit(t, a, "duo_availability_changed", "acme", "owner")

	page := c.get(path)
	if got := checkedDuo(t, page); got != "never_on" {
		t.Fatalf("checked %q", got)
	}
	if _, disabled := page.Doc().Find(`#experiment_features_enabled`).Attr("disabled"); !disabled {
		t.Fatal("experiment checkbox enabled while Always off")
	}
	wantText(t, page, `[data-testid="experiment-unavailable"]`, "Setting unavailable When GitLab Duo is not available, experiment and beta features cannot be turned on.")

	// Only top-level groups have the page.
	wantStatus(t, c.get("/groups/acme/platform/-/settings/gitlab_duo/configuration"), http.StatusNotFound)
	wantStatus(t, c.post("/groups/acme/platform/-/settings/gitlab_duo/configuration", duoForm("default_on")), http.StatusNotFound)
}

func TestGroupDuoConfigurationIsNotFoundOnSelfManaged(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	c := a.as("admin")
	wantStatus(t, c.get("/groups/acme/-/settings/gitlab_duo/configuration"), http.StatusNotFound)
	wantStatus(t, c.post("/groups/acme/-/settings/gitlab_duo/configuration", duoForm("never_on")), http.StatusNotFound)
	if a.duoAvailability(o.acme) != models.DefaultOn {
		t.Fatal("the 404 POST changed the group")
	}
	if res := c.get("/groups/acme"); res.Doc().Find(`a.sidebar-item[href$="/-/settings/gitlab_duo/configuration"]`).Length() != 0 {
		t.Fatal("the self-managed sidebar links the group configuration page")
	}
}

func TestProjectEditSwitch(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	c := a.as("owner")
	const path = "/acme/platform/core/edit"

	res := c.get(path)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="permissions-settings"] h2`, "Visibility, project features, permissions")
	wantText(t, res, `label[for="duo_features_enabled"]`, "GitLab Duo")
	wantText(t, res, `[data-testid="duo-features"] .help-text#duo_features_enabled_help`, "Use AI-native features in this project.")
	// GitLab's toggle (components.Toggle), not Bootstrap's blue switch.
	if res.Doc().Find(`.custom-switch`).Length() != 0 || res.Doc().Find(`[data-testid="duo-toggle"].gl-toggle-wrapper input.gl-toggle-input[role="switch"] ~ .gl-toggle`).Length() != 1 {
		t.Fatal("the project page does not draw GitLab's toggle")
	}
	box := res.Doc().Find(`input[type="checkbox"][name="duo_features_enabled"]`)
	if _, checked := box.Attr("checked"); !checked {
		t.Fatal("switch off for a project that is on")
	}
	if v, _ := res.Doc().Find(`input[type="hidden"][name="duo_features_enabled"]`).Attr("value"); v != "0" {
		t.Fatalf("hidden default %q", v)
	}
	wantText(t, res, `[data-testid="duo-effective"]`, "Effective: On — Set here")
	wantText(t, res, `.sidebar-item.active`, "General")

	// Unticked: only the hidden "0" is sent.
	res = c.post(path, url.Values{"duo_features_enabled": {"0"}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != path {
		t.Fatalf("Location %q", loc)
	}
	page := c.follow(res)
	if page.Flash() != "Project 'Core' was successfully updated." {
		t.Fatalf("flash %q", page.Flash())
	}
	if a.duoProject(o.core).DuoFeaturesEnabled {
		t.Fatal("project still on")
	}
	if _, checked := page.Doc().Find(`#duo_features_enabled`).Attr("checked"); checked {
		t.Fatal("switch still on after turning it off")
	}
	ev := wantAudit(t, a, "duo_availability_changed", "acme/platform/core", "owner")
	if ev.TargetType != "Project" {
		t.Fatalf("audit target type %q", ev.TargetType)
	}

	// Ticked: "0" then "1"; the last wins.
	res = c.post(path, url.Values{"duo_features_enabled": {"0", "1"}})
	wantStatus(t, res, http.StatusSeeOther)
	if !a.duoProject(o.core).DuoFeaturesEnabled {
		t.Fatal("project not turned back on")
	}

	res = c.post(path, url.Values{"duo_features_enabled": {"maybe"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_features_enabled", "must be 0 or 1")
}

func TestProjectEditLockedByAncestor(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetGroup(o.acme, models.NeverOn)
	c := a.as("owner")
	const path = "/acme/platform/core/edit"

	res := c.get(path)
	wantStatus(t, res, http.StatusOK)
	for _, sel := range []string{`#duo_features_enabled`, `input[type="hidden"][name="duo_features_enabled"]`} {
		if _, disabled := res.Doc().Find(sel).Attr("disabled"); !disabled {
			t.Fatalf("%s not disabled while locked", sel)
		}
	}
	wantText(t, res, `[data-testid="duo-lock"] .gl-alert-title`, "Setting cannot be changed")
	wantText(t, res, `[data-testid="duo-lock"] .gl-alert-body`, "This setting has been enforced by an owner of Acme.")
	if href, _ := res.Doc().Find(`[data-testid="duo-lock-ancestor"]`).Attr("href"); href != "/groups/acme" {
		t.Fatalf("ancestor link %q", href)
	}
	wantText(t, res, `[data-testid="duo-effective"]`, "Effective: Off — Enforced by acme")

	before := a.duoAuditCount()
	res = c.post(path, url.Values{"duo_features_enabled": {"0", "1"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_features_enabled", "cannot be changed because it is locked by an ancestor")
	if a.duoProject(o.core).DuoFeaturesEnabled || a.duoAuditCount() != before {
		t.Fatal("a locked project changed")
	}
}

func TestAuditorSeesDuoFormsDisabledAndCannotPost(t *testing.T) {
	t.Parallel()
	for _, d := range []models.Deployment{models.SelfManaged, models.GitLabCom} {
		t.Run(string(d), func(t *testing.T) {
			a := newApp(t, storetest.Any(t), d)
			a.duoOrg()
			c := a.as("support")
			pages := map[string]url.Values{
				"/admin/gitlab_duo/configuration": duoForm("never_on"),
				"/groups/acme/platform/-/edit":    duoForm("never_on"),
				"/acme/platform/core/edit":        {"duo_features_enabled": {"0"}},
			}
			if d == models.GitLabCom {
				pages["/groups/acme/-/settings/gitlab_duo/configuration"] = duoForm("never_on")
			} else {
				pages["/groups/acme/-/edit"] = duoForm("never_on")
			}
			before := a.duoAuditCount()
			for path, form := range pages {
				res := c.get(path)
				wantStatus(t, res, http.StatusOK)
				if res.Doc().Find(`form[method="post"] > fieldset[disabled]`).Length() == 0 {
					t.Fatalf("%s: the form is not disabled for an auditor", path)
				}
				wantStatus(t, c.post(path, form), http.StatusForbidden)
			}
			if a.duoAuditCount() != before {
				t.Fatal("an auditor's POST changed something")
			}
		})
	}
}

func TestDeveloperCannotSeeDuoSettings(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.duoOrg()
	c := a.as("dev")
	for _, path := range []string{"/admin/gitlab_duo/configuration", "/groups/acme/-/edit", "/acme/platform/core/edit"} {
		wantStatus(t, c.get(path), http.StatusNotFound)
	}
}
