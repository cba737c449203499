package handlers_test

import (
	"context"
	"net/http"
	"testing"

	"duoadmin/models"
)

func wantUserDuo(t *testing.T, a *accessAPI, role string, cs, chat bool) {
	t.Helper()
	wantAPI(t, a.get(role, "/api/v4/user/duo"), http.StatusOK,
		map[string]any{"duo_code_suggestions_available": cs, "duo_chat_available": chat})
}

func TestAPIUserDuoSelfManaged(t *testing.T) {
	t.Parallel()
	a := newAccessAPI(t, models.SelfManaged)
	a.buy(nil, models.AddOnDuoPro, "dev")
	wantUserDuo(t, a, "dev", true, true)
	wantUserDuo(t, a, "owner", false, false)
	wantUserDuo(t, a, "admin", false, false)
	wantAPI(t, a.get("", "/api/v4/user/duo"), http.StatusUnauthorized, apiMessage("401 Unauthorized"))

	// Duo Core gives both in the IDE; a resource turned off does not matter here.
	if err := a.store.SetInstanceDuoCore(context.Background(), models.ActorFor(a.users["admin"]), true); err != nil {
		t.Fatal(err)
	}
	a.duoSetGroup(a.o.acme, models.NeverOn)
	wantUserDuo(t, a, "owner", true, true)

	a.duoSetInstance(models.NeverOn)
	wantUserDuo(t, a, "dev", false, false)
	wantUserDuo(t, a, "owner", false, false)
}

func TestAPIUserDuoGitLabCom(t *testing.T) {
	t.Parallel()
	a := newAccessAPI(t, models.GitLabCom)
	a.buy(a.o.acme, models.AddOnDuoPro, "dev")
	wantUserDuo(t, a, "dev", true, true)
	wantUserDuo(t, a, "owner", false, false)
	wantUserDuo(t, a, "zed", false, false)
	if err := a.store.SetGroupDuoCore(context.Background(), models.ActorFor(a.users["admin"]), a.o.acme, true); err != nil {
		t.Fatal(err)
	}
	wantUserDuo(t, a, "owner", true, true)
	wantUserDuo(t, a, "zed", false, false)
}
