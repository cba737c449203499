package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"duoadmin/models"
)

func TestAPICodeSuggestionsEnabled(t *testing.T) {
	t.Parallel()
	for _, d := range []models.Deployment{models.SelfManaged, models.GitLabCom} {
		t.Run(string(d), func(t *testing.T) {
			a := newAccessAPI(t, d)
			const path = "/api/v4/code_suggestions/enabled"
			post := func(role, body string) apiRes { return a.api("POST", path, a.tok[role], body) }
			ok := map[string]any{}

			// Visible: a member of the project's groups, or an admin/auditor.
			wantAPI(t, post("dev", `{"project_path":"acme/platform/core"}`), http.StatusOK, ok)
			wantAPI(t, post("dev", `{"project_path":"ACME/Platform/API/Gateway"}`), http.StatusOK, ok)
			wantAPI(t, post("owner", `{"project_path":"acme/web"}`), http.StatusOK, ok)
			wantAPI(t, post("admin", `{"project_path":"acme/web"}`), http.StatusOK, ok)
			wantAPI(t, post("support", `{"project_path":"acme/web"}`), http.StatusOK, ok)

			// Not visible, missing, empty: 404.
			notFound := apiMessage("404 Project Not Found")
			wantAPI(t, post("dev", `{"project_path":"acme/web"}`), http.StatusNotFound, notFound)
			wantAPI(t, post("zed", `{"project_path":"acme/platform/core"}`), http.StatusNotFound, notFound)
			wantAPI(t, post("admin", `{"project_path":"acme/nope"}`), http.StatusNotFound, notFound)
			wantAPI(t, post("dev", `{"project_path":""}`), http.StatusNotFound, notFound)
			wantAPI(t, post("dev", `{"project_path":"  "}`), http.StatusNotFound, notFound)
			wantAPI(t, post("dev", `{}`), http.StatusNotFound, notFound)
			wantAPI(t, post("dev", ""), http.StatusNotFound, notFound)
			wantAPI(t, post("dev", `{"project_path":42}`), http.StatusNotFound, notFound)
			wantAPI(t, post("", `{"project_path":"acme/web"}`), http.StatusUnauthorized, apiMessage("401 Unauthorized"))

			// Off through an ancestor, or on the project itself: 403.
			a.duoSetGroup(a.o.platform, models.DefaultOff)
			wantAPI(t, post("dev", `{"project_path":"acme/platform/core"}`), http.StatusForbidden, apiMessage("403 Forbidden"))
			wantAPI(t, post("admin", `{"project_path":"acme/platform/api/gateway"}`), http.StatusForbidden, apiMessage("403 Forbidden"))
			wantAPI(t, post("owner", `{"project_path":"acme/web"}`), http.StatusOK, ok)
			// Visibility comes first: no hint that an unseen project is off.
			wantAPI(t, post("zed", `{"project_path":"acme/platform/core"}`), http.StatusNotFound, notFound)

			// GitLab's API also takes a form.
			req, _ := http.NewRequest("POST", a.http.URL+path, strings.NewReader("project_path=acme%2Fweb"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("PRIVATE-TOKEN", a.tok["owner"])
			wantAPI(t, a.apiDo(req), http.StatusOK, ok)
		})
	}
}
