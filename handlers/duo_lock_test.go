package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/storetest"
)

// A locked GitLab Duo setting refuses a request loudly (422 and GitLab's
// message) on every path, whatever the record stores, and writes nothing.

const lockedMessage = "cannot be changed because it is locked by an ancestor"

// importDoc loads a document through the importer, as `duoadmin import` does.
func (a *app) importDoc(js string) {
	a.t.Helper()
	doc, err := orgfile.ParseDocument("t.json", strings.NewReader(js))
	if err != nil {
		a.t.Fatal(err)
	}
	if _, err := orgfile.Import(context.Background(), a.store, orgfile.ImportActor, "t.json", doc); err != nil {
		a.t.Fatal(err)
	}
}

// lockAcmeWithoutCascade makes acme Always off through an import, which
// does not cascade: its projects keep their stored true.
func (a *app) lockAcmeWithoutCascade() {
	a.t.Helper()
	a.importDoc(`{"groups": [{"path": "acme", "name": "Acme", "duo_availability": "never_on"}]}`)
}

func TestAPIRefusesALockedProjectWhateverItStores(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.lockAcmeWithoutCascade()
	if !a.duoProject(o.core).DuoFeaturesEnabled {
		t.Fatal("setup: the import cascaded")
	}
	owner := a.duoToken("owner")
	path := "/api/v4/projects/acme%2Fplatform%2Fcore/duo_settings"
	before := a.duoAuditCount()
	for _, body := range []string{`{"duo_features_enabled":true}`, `{"duo_features_enabled":false}`} {
		wantAPI(t, a.api("PUT", path, owner, body), http.StatusUnprocessableEntity, apiMessage(lockedMessage))
	}
	if !a.duoProject(o.core).DuoFeaturesEnabled || a.duoAuditCount() != before {
		t.Fatal("a locked project was written")
	}
}

func TestAPIRefusesALockedGroupWhateverItStores(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetGroup(o.platform, models.NeverOn) // cascades (false, unlocked) to acme/platform/api
	owner := a.duoToken("owner")
	before := a.duoAuditCount()
	for _, av := range models.Availabilities {
		wantAPI(t, a.api("PUT", "/api/v4/groups/acme%2Fplatform%2Fapi/duo_settings", owner, `{"duo_availability":"`+string(av)+`"}`),
			http.StatusUnprocessableEntity, apiMessage(lockedMessage))
	}
	if a.duoAuditCount() != before || a.duoAvailability(o.api) != models.NeverOn {
		t.Fatal("a locked group changed")
	}
	// A locked instance locks top-level groups the same way.
	a.duoSetInstance(models.NeverOn)
	before = a.duoAuditCount()
	wantAPI(t, a.api("PUT", "/api/v4/groups/acme/duo_settings", owner, `{"duo_availability":"default_off"}`),
		http.StatusUnprocessableEntity, apiMessage(lockedMessage))
	wantAPI(t, a.api("PUT", "/api/v4/projects/acme%2Fweb/duo_settings", owner, `{"duo_features_enabled":false}`),
		http.StatusUnprocessableEntity, apiMessage(lockedMessage))
	if a.duoAuditCount() != before {
		t.Fatal("a refused change was audited")
	}
}

func TestProjectEditRefusesALockedSwitchWhateverItStores(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.lockAcmeWithoutCascade()
	c := a.as("owner")
	const path = "/acme/platform/core/edit"
	before := a.duoAuditCount()
	for _, v := range []url.Values{{"duo_features_enabled": {"0", "1"}}, {"duo_features_enabled": {"0"}}} {
		res := c.post(path, v)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantFieldError(t, res, "duo_features_enabled", lockedMessage)
	}
	if !a.duoProject(o.core).DuoFeaturesEnabled || a.duoAuditCount() != before {
		t.Fatal("a locked project was written")
	}
	// The disabled switch sends nothing: saving the form is no request.
	wantStatus(t, c.post(path, url.Values{}), http.StatusSeeOther)
}

func TestGroupEditRefusesTheOptionALockedGroupHas(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetGroup(o.platform, models.NeverOn)
	c := a.as("owner")
	before := a.duoAuditCount()
	// acme/platform/api stores (false, unlocked): Off by default is what it has.
	res := c.post("/groups/acme/platform/api/-/edit", duoForm("default_off"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_availability", lockedMessage)
	// Confirmed or not, the same.
	res = c.post("/groups/acme/platform/api/-/edit", url.Values{"duo_availability": {"default_off"}, "confirm": {"1"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldError(t, res, "duo_availability", lockedMessage)
	if a.duoAuditCount() != before {
		t.Fatal("a refused change was audited")
	}
}

func TestGroupDuoConfigurationRefusesUnderALockedInstance(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	o := a.duoOrg()
	a.duoSetInstance(models.NeverOn) // writes (false, unlocked) to acme
	c := a.as("owner")
	const path = "/groups/acme/-/settings/gitlab_duo/configuration"
	before := a.duoAuditCount()
	for _, av := range []string{"default_off", "default_on"} {
		res := c.post(path, url.Values{"duo_availability": {av}, "confirm": {"1"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantFieldError(t, res, "duo_availability", lockedMessage)
		wantDisabledRadios(t, res, true)
	}
	if a.duoAuditCount() != before || a.duoAvailability(o.acme) != models.NeverOn {
		t.Fatal("a locked group changed")
	}
}
