package handlers_test

import (
	"errors"
	"net/http"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"duoadmin/models"
)

// GitLab's REST fields for GitLab Duo, driven with client-go's Groups,
// Settings and Users services; and the IDE's two questions, which must
// agree: currentUser{duoCodeSuggestionsAvailable} with GET /api/v4/user/duo,
// project{duoFeaturesEnabled} with POST /api/v4/code_suggestions/enabled.

func statusOf(t *testing.T, err error) int {
	t.Helper()
	var er *gitlab.ErrorResponse
	if errors.As(err, &er) {
		return er.StatusCode
	}
	if err != nil {
		t.Fatal(err)
	}
	return http.StatusOK
}

func TestClientGoGroupsSettingsUsers(t *testing.T) {
	t.Parallel()
	eachWorld(t, 5, func(t *testing.T, w *gqlWorld) {
		owner, admin, dev := w.clients["owner"].Groups, w.clients["admin"], w.clients["dev"]
		g, _, err := owner.GetGroup("acme", nil)
		if err != nil {
			t.Fatal(err)
		}
		if g.ID != w.acme.ID || g.FullPath != "acme" || g.DuoAvailability != gitlab.DuoAvailabilityDefaultOn || !g.DuoFeaturesEnabled || g.LockDuoFeaturesEnabled {
			t.Fatalf("acme: %+v", g)
		}
		sub, _, err := owner.GetGroup(w.sub.ID, nil)
		if err != nil || sub.ParentID != w.acme.ID || sub.FullPath != "acme/sub" {
			t.Fatalf("sub: %+v %v", sub, err)
		}
		// Off by default on acme cascades to the subgroup.
		off := gitlab.DuoAvailabilityDefaultOff
		g, _, err = owner.UpdateGroup("acme", &gitlab.UpdateGroupOptions{DuoAvailability: &off})
		if err != nil || g.DuoAvailability != off || g.DuoFeaturesEnabled {
			t.Fatalf("update: %+v %v", g, err)
		}
		if sub, _, _ = owner.GetGroup("acme/sub", nil); sub.DuoFeaturesEnabled || sub.DuoAvailability != off {
			t.Fatalf("sub after cascade: %+v", sub)
		}
		// The booleans: enabled and locked on acme is never_on's lock; the subgroup then refuses.
		g, _, err = owner.UpdateGroup("acme", &gitlab.UpdateGroupOptions{DuoFeaturesEnabled: gitlab.Ptr(false), LockDuoFeaturesEnabled: gitlab.Ptr(true)})
		if err != nil || g.DuoAvailability != gitlab.DuoAvailabilityNeverOn || !g.LockDuoFeaturesEnabled {
			t.Fatalf("lock: %+v %v", g, err)
		}
		on := gitlab.DuoAvailabilityDefaultOn
		_, _, err = owner.UpdateGroup("acme/sub", &gitlab.UpdateGroupOptions{DuoAvailability: &on})
		if statusOf(t, err) != http.StatusBadRequest {
			t.Fatalf("locked subgroup: %v", err)
		}
		// Always on: a top-level group's option on GitLab.com only (self-managed
		// offers it for the instance); a subgroup never.
		alwaysOn := gitlab.DuoAvailabilityValue("always_on")
		g, _, err = owner.UpdateGroup("acme", &gitlab.UpdateGroupOptions{DuoAvailability: &alwaysOn})
		if w.d == models.GitLabCom {
			if err != nil || g.DuoAvailability != alwaysOn || !g.DuoFeaturesEnabled || !g.LockDuoFeaturesEnabled {
				t.Fatalf("always_on on a top-level group: %+v %v", g, err)
			}
			if _, _, err = owner.UpdateGroup("acme/sub", &gitlab.UpdateGroupOptions{DuoFeaturesEnabled: gitlab.Ptr(false)}); statusOf(t, err) != http.StatusBadRequest {
				t.Fatalf("a subgroup under Always on: %v", err)
			}
		} else if statusOf(t, err) != http.StatusBadRequest {
			t.Fatalf("always_on on a self-managed group: %v", err)
		}
		// Others: a developer cannot see the group, an auditor cannot change it.
		if _, _, err = dev.Groups.GetGroup("acme", nil); statusOf(t, err) != http.StatusNotFound {
			t.Fatalf("dev get: %v", err)
		}
		if _, _, err = w.clients["support"].Groups.UpdateGroup("acme", &gitlab.UpdateGroupOptions{DuoAvailability: &on}); statusOf(t, err) != http.StatusForbidden {
			t.Fatalf("auditor update: %v", err)
		}
		// Search: admins see every group, owners their own.
		gs, _, err := admin.Groups.ListGroups(&gitlab.ListGroupsOptions{Search: gitlab.Ptr("oth")})
		if err != nil || len(gs) != 1 || gs[0].FullPath != "other" {
			t.Fatalf("admin search: %v %v", gs, err)
		}
		if gs, _, err = owner.ListGroups(&gitlab.ListGroupsOptions{Search: gitlab.Ptr("oth")}); err != nil || len(gs) != 0 {
			t.Fatalf("owner search: %v %v", gs, err)
		}
		// An owner's list is the groups they own, filtered and paged in SQL.
		gs, resp, err := owner.ListGroups(&gitlab.ListGroupsOptions{ListOptions: gitlab.ListOptions{PerPage: 1}})
		if err != nil || len(gs) != 1 || gs[0].FullPath != "acme" || resp.TotalItems != 1 {
			t.Fatalf("owner list: %v %+v %v", gs, resp, err)
		}

		// Application settings: administrators; refused on GitLab.com.
		st, _, err := admin.Settings.GetSettings()
		if err != nil || !st.DuoFeaturesEnabled || st.LockDuoFeaturesEnabled {
			t.Fatalf("settings: %+v %v", st, err)
		}
		_, _, err = admin.Settings.UpdateSettings(&gitlab.UpdateSettingsOptions{DuoFeaturesEnabled: gitlab.Ptr(false)})
		if w.d == models.GitLabCom {
			if statusOf(t, err) != http.StatusForbidden {
				t.Fatalf("GitLab.com update: %v", err)
			}
		} else {
			st, _, err = admin.Settings.GetSettings()
			if err != nil || st.DuoFeaturesEnabled || st.LockDuoFeaturesEnabled {
				t.Fatalf("after update: %+v %v", st, err)
			}
			st, _, err = admin.Settings.UpdateSettings(&gitlab.UpdateSettingsOptions{DuoFeaturesEnabled: gitlab.Ptr(true), LockDuoFeaturesEnabled: gitlab.Ptr(true)})
			if err != nil || !st.DuoFeaturesEnabled || !st.LockDuoFeaturesEnabled {
				t.Fatalf("always_on on the instance: %+v %v", st, err)
			}
		}
		if _, _, err = w.clients["owner"].Settings.GetSettings(); statusOf(t, err) != http.StatusForbidden {
			t.Fatalf("owner settings: %v", err)
		}
		if _, _, err = w.clients["support"].Settings.UpdateSettings(&gitlab.UpdateSettingsOptions{DuoFeaturesEnabled: gitlab.Ptr(true)}); statusOf(t, err) != http.StatusForbidden {
			t.Fatalf("auditor settings: %v", err)
		}

		// Users: a username becomes the id the seat APIs take.
		us, _, err := dev.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr("ZED01")})
		if err != nil || len(us) != 1 || us[0].ID != w.users["zed01"].ID || us[0].PublicEmail != "zed01@example.com" || us[0].State != "active" {
			t.Fatalf("users: %+v %v", us, err)
		}
		if us, _, err = dev.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr("nobody")}); err != nil || len(us) != 0 {
			t.Fatalf("nobody: %v %v", us, err)
		}
		u, _, err := dev.Users.GetUser(w.users["zed02"].ID, nil)
		if err != nil || u.Username != "zed02" || u.PublicEmail != "" {
			t.Fatalf("user: %+v %v", u, err)
		}
		if _, _, err = dev.Users.GetUser(99999999, nil); statusOf(t, err) != http.StatusNotFound {
			t.Fatalf("missing user: %v", err)
		}
	})
}

func TestIDEChecksAgree(t *testing.T) {
	t.Parallel()
	eachWorld(t, 5, func(t *testing.T, w *gqlWorld) {
		off := w.mkProject(w.acme, "off", "Off")
		if err := w.store.SetProjectDuoEnabled(t.Context(), models.ActorFor(w.users["admin"]), off, false); err != nil {
			t.Fatal(err)
		}
		w.mkProject(w.other, "secret", "Secret")
		w.assign(w.purchase, "zed01")
		for _, role := range []string{"admin", "support", "owner", "dev", "zed01"} {
			for _, path := range []string{"acme/api", "acme/off", "other/secret", "acme/nope"} {
				data := w.gqlOK(role, `query($p: ID!) { currentUser { duoCodeSuggestionsAvailable duoChatAvailable } project(fullPath: $p) { duoFeaturesEnabled } }`,
					map[string]any{"p": path})
				var userDuo struct {
					CS   bool `json:"duo_code_suggestions_available"`
					Chat bool `json:"duo_chat_available"`
				}
				res := w.call("GET", "/api/v4/user/duo", role, "")
				if err := jsonUnmarshal(res.Raw, &userDuo); err != nil {
					t.Fatal(err)
				}
				if dig(data, "currentUser", "duoCodeSuggestionsAvailable") != userDuo.CS || dig(data, "currentUser", "duoChatAvailable") != userDuo.Chat {
					t.Errorf("%s: GraphQL %s, REST %s", role, jsonText(dig(data, "currentUser")), res.Raw)
				}
				want := map[int]any{http.StatusOK: true, http.StatusForbidden: false, http.StatusNotFound: nil}
				st := w.call("POST", "/api/v4/code_suggestions/enabled", role, `{"project_path":"`+path+`"}`).Status
				var got any
				if p := dig(data, "project"); p != nil {
					got = dig(p, "duoFeaturesEnabled")
				}
				if got != want[st] {
					t.Errorf("%s on %s: project{duoFeaturesEnabled} %v, code_suggestions/enabled %d", role, path, got, st)
				}
			}
		}
		// The seat holder has Code Suggestions; the others no seat.
		if d := w.gqlOK("zed01", `{ currentUser { duoCodeSuggestionsAvailable } }`, nil); dig(d, "currentUser", "duoCodeSuggestionsAvailable") != true {
			t.Errorf("zed01: %s", jsonText(d))
		}
		if d := w.gqlOK("dev", `{ currentUser { duoCodeSuggestionsAvailable } }`, nil); dig(d, "currentUser", "duoCodeSuggestionsAvailable") != false {
			t.Errorf("dev: %s", jsonText(d))
		}
	})
}
