package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/views/pages/audit"
)

// rowTexts is each row's cells of the audit page, by data-testid.
func auditRow(res *response, action string) *goquery.Selection {
	return res.Doc().Find(fmt.Sprintf(`[data-testid="audit-event"][data-action=%q]`, action)).First()
}

func cellText(s *goquery.Selection, testid string) string {
	return strings.Join(strings.Fields(s.Find(`[data-testid="`+testid+`"]`).Text()), " ")
}

// The page reads an availability change as a person would: GitLab's
// action name, before → after as the option titles, unchanged switches
// left out, the reset counted in words, no JSON; the CSV keeps the machine
// values.
func TestAuditEventsReadAsWords(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	f := newAuditFixture(t, a)
	a.mkProject(f.acme, "web", "Web")
	a.mkProject(f.sub, "api", "API")
	ctx := context.Background()
	admin := models.ActorFor(a.users["admin"])
	impact, err := a.store.SetInstanceDuoAvailability(ctx, admin, models.NeverOn)
	if err != nil {
		t.Fatal(err)
	}
	if impact.Subgroups == 0 || impact.Projects != 2 {
		t.Fatalf("the fixture should reset groups and 2 projects: %+v", impact)
	}
	c := a.as("admin")
	res := c.get("/admin/audit_events?action=duo_availability_changed")
	wantStatus(t, res, http.StatusOK)
	row := auditRow(res, "duo_availability_changed")
	if got := cellText(row, "event-action"); got != "GitLab Duo availability changed" {
		t.Errorf("action %q", got)
	}
	if got := cellText(row, "event-target"); got != "Instance" {
		t.Errorf("target %q, want Instance (not \"Instance instance\")", got)
	}
	var lines []string
	row.Find(`[data-testid="event-changes"] li`).Each(func(_ int, s *goquery.Selection) {
		lines = append(lines, strings.Join(strings.Fields(s.Text()), " "))
	})
	want := []string{
		"GitLab Duo availability: On by default → Always off",
		"GitLab Duo: On → Off",
		"Locked for subgroups and projects: Unlocked → Locked",
		fmt.Sprintf("reset %d subgroups and 2 projects", impact.Subgroups),
	}
	if impact.Subgroups == 1 {
		want[3] = "reset 1 subgroup and 2 projects"
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant (experiment features unchanged, so hidden):\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if strings.ContainsAny(cellText(row, "event-changes"), "{}\"") {
		t.Errorf("raw JSON on the page: %q", cellText(row, "event-changes"))
	}

	// The CSV keeps the machine values.
	res = c.get("/admin/audit_events/export.csv?action=duo_availability_changed")
	wantStatus(t, res, http.StatusOK)
	for _, s := range []string{",duo_availability_changed,", "duo_availability: default_on → never_on", `""descendants_reset""`} {
		if !strings.Contains(res.Body, s) {
			t.Errorf("CSV lacks %q:\n%s", s, res.Body)
		}
	}
}

// Nothing reset, nothing said: a change that reset no subgroup or project
// has no "reset 0 …" line.
func TestAuditEventsOmitAnEmptyReset(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	if _, err := a.store.SetInstanceDuoAvailability(context.Background(), models.ActorFor(a.users["admin"]), models.DefaultOff); err != nil {
		t.Fatal(err)
	}
	res := a.as("admin").get("/admin/audit_events?action=duo_availability_changed")
	got := cellText(auditRow(res, "duo_availability_changed"), "event-changes")
	if strings.Contains(got, "reset") || !strings.Contains(got, "GitLab Duo availability: On by default → Off by default") {
		t.Errorf("changes %q", got)
	}
}

// Every action the Store writes has a name in GitLab's words.
func TestAuditActionTitlesAreWords(t *testing.T) {
	t.Parallel()
	for _, act := range models.AuditActions {
		got := audit.ActionTitle(act)
		for _, bad := range []string{"Duo core", "Ai ", "instance instance", "_", "Duo pro", "Web hook"} {
			if strings.Contains(got, bad) {
				t.Errorf("%s reads %q (contains %q)", act, got, bad)
			}
		}
		if got == "" || strings.ToUpper(got[:1]) != got[:1] {
			t.Errorf("%s reads %q", act, got)
		}
	}
	for act, want := range map[string]string{"duo_availability_changed": "GitLab Duo availability changed",
		"ai_feature_settings_changed": "AI feature settings changed", "self_hosted_model_created": "Self-hosted model created",
		"duo_core_changed": "GitLab Duo Core changed"} {
		if got := audit.ActionTitle(act); got != want {
			t.Errorf("%s reads %q, want %q", act, got, want)
		}
	}
}
