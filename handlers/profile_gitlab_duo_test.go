package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/models/access"
)

const profileDuo = "/-/profile/gitlab_duo"

// cell is the text of one feature × context cell of the profile table.
func cell(t *testing.T, r *response, feature, ctx string) (allowed bool, text string) {
	t.Helper()
	td := r.Doc().Find(`[data-feature="` + feature + `"] td[data-context="` + ctx + `"]`)
	if td.Length() != 1 {
		t.Fatalf("no cell %s/%s", feature, ctx)
	}
	return td.AttrOr("data-allowed", "") == "true", strings.Join(strings.Fields(td.Text()), " ")
}

func allowedCells(r *response) int {
	return r.Doc().Find(`[data-testid="feature-table"] td[data-allowed="true"]`).Length()
}

func TestProfileOfASeatHolder(t *testing.T) {
	t.Parallel()
	a := smExplainApp(t)
	acme, _ := a.store.GroupByFullPath(context.Background(), "acme")
	api, _ := a.store.ProjectByFullPath(context.Background(), "acme/api")
	a.mkMember(models.GroupSource(acme), a.users["dev"], models.Developer)
	a.mkMember(models.ProjectSource(api, acme), a.users["dev"], models.Developer)
	res := a.as("dev").get(profileDuo)
	wantStatus(t, res, http.StatusOK)
	seat := res.Doc().Find(`[data-testid="seat"]`)
	if seat.Length() != 1 || seat.AttrOr("data-add-on", "") != "duo_pro" || !strings.Contains(seat.Text(), "This instance") {
		t.Fatalf("seats: %q", seat.Text())
	}
	wantText(t, res, `[data-testid="seat-status"]`, "Active")
	if res.Doc().Find(`[data-testid="feature-table"] td`).Length() != 45 {
		t.Fatal("the table is not 15 features × 3 contexts")
	}
	if ok, txt := cell(t, res, "duo_chat", "web_ui"); !ok || !strings.Contains(txt, "Duo Pro") {
		t.Fatalf("chat in the web UI: %v %q", ok, txt)
	}
	if ok, txt := cell(t, res, "troubleshoot_job", "ide"); ok || !strings.Contains(txt, "Needs Duo Enterprise") {
		t.Fatalf("an Enterprise feature: %v %q", ok, txt)
	}
	if allowedCells(res) != 7*3 {
		t.Fatalf("%d allowed cells, want the 7 Pro features everywhere", allowedCells(res))
	}
	if res.Doc().Find(`[data-reason="`+access.ReasonFeatureNotInTier+`"]`).Length() != 1 {
		t.Fatal("the refusal is not explained under the table")
	}
	off := res.Doc().Find(`[data-testid="off-place"]`)
	if off.Length() != 1 || off.AttrOr("data-path", "") != "acme/api" || !strings.Contains(off.Text(), "Set here") {
		t.Fatalf("off places: %q", off.Text())
	}
	wantText(t, res, `[data-testid="duo-core-status"]`, "GitLab Duo Core is off for this instance.")
}

func TestProfileOfADuoCoreUser(t *testing.T) {
	t.Parallel()
	a := smExplainApp(t)
	if err := a.store.SetInstanceDuoCore(context.Background(), models.Automation, true); err != nil {
		t.Fatal(err)
	}
	res := a.as("owner").get(profileDuo)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, `[data-testid="no-seats"]`, "You have no GitLab Duo Pro or Enterprise seat.")
	if !strings.HasPrefix(res.Text(`[data-testid="duo-core-status"]`), "GitLab Duo Core is on for this instance") {
		t.Fatalf("Duo Core: %q", res.Text(`[data-testid="duo-core-status"]`))
	}
	for _, c := range []struct {
		feature, ctx string
		ok           bool
		text         string
	}{
		{"duo_chat", "ide", true, "Duo Core"},
		{"duo_chat", "web_ui", false, "Not in Duo Core"},
		{"code_suggestions", "web_ide", true, "Duo Core"},
		{"explain_code", "ide", false, "Not in Duo Core"},
	} {
		if ok, txt := cell(t, res, c.feature, c.ctx); ok != c.ok || !strings.Contains(txt, c.text) {
			t.Errorf("%s/%s: %v %q", c.feature, c.ctx, ok, txt)
		}
	}
	if allowedCells(res) != 3 {
		t.Fatalf("%d allowed cells, want chat in the IDE and Code Suggestions in the IDE and Web IDE", allowedCells(res))
	}
	wantText(t, res, `[data-testid="no-off-places"]`, "GitLab Duo is on in every group and project you are a direct member of.")
}

func TestProfileOfAUserWithNothing(t *testing.T) {
	t.Parallel()
	a := comExplainApp(t)
	res := a.as("outsider").get(profileDuo)
	wantStatus(t, res, http.StatusOK)
	if allowedCells(res) != 0 {
		t.Fatal("an outsider can use something")
	}
	res.Doc().Find(`[data-testid="cell-reason"]`).Each(func(_ int, s *goquery.Selection) {
		if s.Text() != "No paid group" {
			t.Fatalf("reason %q", s.Text())
		}
	})
	wantText(t, res, `[data-reason="`+access.ReasonNotInPaidGroup+`"] + dd`, "You are not a member of any group on the Premium or Ultimate plan.")
	wantText(t, res, `[data-testid="duo-core-status"]`, "None of your Premium or Ultimate groups gives you GitLab Duo Core.")

	// On GitLab.com Duo Core names its group; a Guest is not covered.
	res = a.as("dev").get(profileDuo)
	if !strings.Contains(res.Text(`[data-testid="duo-core-status"]`), "acme") || allowedCells(res) != 3 {
		t.Fatalf("dev: %q, %d allowed", res.Text(`[data-testid="duo-core-status"]`), allowedCells(res))
	}
	other, _ := a.store.GroupByFullPath(context.Background(), "other")
	if err := a.store.SetGroupDuoCore(context.Background(), models.Automation, other, true); err != nil {
		t.Fatal(err)
	}
	a.mkMember(models.GroupSource(other), a.users["outsider"], models.Guest)
	res = a.as("outsider").get(profileDuo)
	if !strings.Contains(res.Text(`[data-testid="duo-core-guest"]`), "GitLab Duo Core is on in other, but you are only a Guest there") || allowedCells(res) != 0 {
		t.Fatalf("guest: %q", res.Text(`[data-testid="duo-core-guest"]`))
	}

	anon := a.client().get(profileDuo)
	if anon.StatusCode == http.StatusOK {
		t.Fatal("the profile page answers without sign-in")
	}
}
