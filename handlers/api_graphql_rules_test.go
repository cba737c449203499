package handlers_test

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// Who may do what through GraphQL, malformed global ids, the limits, and
// projectSettingsUpdate: on both databases in both deployments.

func TestGraphQLAuthorizationPerRole(t *testing.T) {
	t.Parallel()
	eachWorld(t, 5, func(t *testing.T, w *gqlWorld) {
		ids := map[string]any{"ids": []string{w.purchaseGID()}}
		// Seats: admins and (on GitLab.com) acme's owners manage; auditors read.
		readers := map[string]bool{"admin": true, "support": true, "owner": w.d == models.GitLabCom}
		writers := map[string]bool{"admin": true, "owner": w.d == models.GitLabCom}
		for _, role := range []string{"admin", "support", "owner", "dev"} {
			r := w.gql(role, w.eligibleQuery(""), ids)
			if readers[role] != (len(r.Errors) == 0) {
				t.Errorf("%s reads eligible users: errors %v", role, r.messages())
			}
			if !readers[role] && !reflect.DeepEqual(r.messages(), []string{notAvailable}) {
				t.Errorf("%s: %v", role, r.messages())
			}
			if !readers[role] && strings.Contains(jsonText(r.Data), "zed") {
				t.Errorf("%s read users: %s", role, jsonText(r.Data))
			}
			r = w.gql(role, createMutation, single(w.input("zed05")))
			if writers[role] != (dig(r.Data, "userAddOnAssignmentCreate") != nil) {
				t.Errorf("%s assigns: %s %v", role, jsonText(r.Data), r.messages())
			}
			if writers[role] {
				w.exec("DELETE FROM seat_assignments")
			} else if !reflect.DeepEqual(r.messages(), []string{notAvailable}) {
				t.Errorf("%s assigning: %v", role, r.messages())
			}
		}
		if h := w.seatHolders(); len(h) != 0 {
			t.Fatalf("denied assignments happened: %v", h)
		}
		// Groups and projects: members, admins and auditors see them; others get null.
		q := `{ group(fullPath: "%s") { fullPath lockDuoFeaturesEnabled } project(fullPath: "acme/api") { fullPath duoFeaturesEnabled } }`
		for role, want := range map[string]bool{"admin": true, "support": true, "owner": true, "dev": true} {
			data := w.gqlOK(role, fmt.Sprintf(q, "acme"), nil)
			if (dig(data, "group") != nil) != want || (dig(data, "project") != nil) != want {
				t.Errorf("%s sees %s", role, jsonText(data))
			}
		}
		if data := w.gqlOK("owner", fmt.Sprintf(q, "other"), nil); dig(data, "group") != nil {
			t.Errorf("owner sees other: %s", jsonText(data))
		}
		if data := w.gqlOK("zed01", fmt.Sprintf(q, "nope"), nil); dig(data, "group") != nil {
			t.Errorf("a missing group: %s", jsonText(data))
		}
		// Eligible users only on a top-level group.
		sub := strings.Replace(w.eligibleQuery(""), `namespace(fullPath: "acme")`, `namespace(fullPath: "acme/sub")`, 1)
		if w.d == models.GitLabCom {
			r := w.gql("owner", sub, ids)
			if !reflect.DeepEqual(r.messages(), []string{"Add on eligible users can only be queried on a root namespace"}) {
				t.Errorf("subgroup: %v", r.messages())
			}
		}
		// Signed out: the API's 401, no data.
		res, err := http.Post(w.http.URL+"/api/graphql", "application/json", strings.NewReader(`{"query":"{ currentUser { username } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("signed out: %d", res.StatusCode)
		}
	})
}

func TestGraphQLMalformedGlobalIDs(t *testing.T) {
	t.Parallel()
	eachWorld(t, 5, func(t *testing.T, w *gqlWorld) {
		for id, want := range map[any]string{
			"garbage":                    `"garbage" is not a valid Global ID`,
			"gid://gitlab/User":          `"gid://gitlab/User" is not a valid Global ID`,
			"gid://other/User/1":         `"gid://other/User/1" is not a Gitlab Global ID`,
			"gid://gitlab/Project/1":     `"gid://gitlab/Project/1" does not represent an instance of User`,
			"gid://gitlab/User/abc":      `"gid://gitlab/User/abc" is not a valid ID for User.`,
			"gid://gitlab/User/-3":       `"gid://gitlab/User/-3" is not a valid ID for User.`,
			float64(42):                  `42 is not a valid Global ID`,
			"gid://gitlab/User/99999999": notAvailable,
		} {
			in := single(w.input("zed01"))
			in["input"].(map[string]any)["userId"] = id
			r := w.gql("admin", createMutation, in)
			if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, want) {
				t.Errorf("userId %v: %v, want %q", id, r.messages(), want)
			}
			if dig(r.Data, "userAddOnAssignmentCreate") != nil {
				t.Errorf("userId %v: data %s", id, jsonText(r.Data))
			}
		}
		// Inline in the query, and a namespace id of the wrong model.
		r := w.gql("admin", `{ addOnPurchases(namespaceId: "gid://gitlab/User/1") { id } }`, nil)
		if !reflect.DeepEqual(r.messages(), []string{`"gid://gitlab/User/1" does not represent an instance of Namespace`}) {
			t.Errorf("namespaceId: %v", r.messages())
		}
		r = w.gql("admin", `{ addOnPurchases(namespaceId: "gid://gitlab/Namespace/999999") { id } }`, nil)
		if len(r.Errors) != 0 || !reflect.DeepEqual(dig(r.Data, "addOnPurchases"), []any{}) {
			t.Errorf("a namespace that does not exist: %v %s", r.messages(), jsonText(r.Data))
		}
	})
}

// rawGQL posts body to /api/graphql as admin and returns status and body.
func (w *gqlWorld) rawGQL(method, body string) (int, string) {
	w.t.Helper()
	url := w.http.URL + "/api/graphql"
	var rd *strings.Reader
	if method == http.MethodGet {
		url += "?" + body
		rd = strings.NewReader("")
	} else {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("PRIVATE-TOKEN", w.tok["admin"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

func TestGraphQLLimits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		w := newGQLWorld(t, s, models.SelfManaged, 5)
		// Introspection is allowed.
		if d := w.gqlOK("dev", `{ __schema { queryType { name } mutationType { name } } }`, nil); dig(d, "__schema", "queryType", "name") != "Query" {
			t.Fatalf("introspection %s", jsonText(d))
		}
		// Depth 21 through introspection's ofType chain.
		deep := "{ __schema { types { fields { type " + strings.Repeat("{ ofType ", 16) + "{ name }" + strings.Repeat(" }", 16) + " } } } }"
		if r := w.gql("dev", deep, nil); len(r.Errors) != 1 || !strings.HasPrefix(r.Errors[0].Message, "Query has depth of 21, which exceeds max depth of 20") {
			t.Fatalf("depth: %v", r.messages())
		}
		// Complexity: 130 aliased currentUsers of two fields each.
		var b strings.Builder
		b.WriteString("{")
		for i := range 130 {
			fmt.Fprintf(&b, " u%d: currentUser { id username }", i)
		}
		b.WriteString(" }")
		if r := w.gql("dev", b.String(), nil); len(r.Errors) != 1 || r.Errors[0].Message != "Query has complexity of 390, which exceeds max complexity of 250" || r.Data != nil {
			t.Fatalf("complexity: %v", r.messages())
		}
		// Administrators get 300, still below 390.
		if r := w.gql("admin", b.String(), nil); len(r.Errors) != 1 || !strings.HasSuffix(r.Errors[0].Message, "max complexity of 300") {
			t.Fatalf("admin complexity: %v", r.messages())
		}
		// 100 users a page with their assignments is within the limit.
		w.gqlOK("admin", w.eligibleQuery(", first: 100"), map[string]any{"ids": []string{w.purchaseGID()}})
		// The query text, and the body.
		long := `{ currentUser { id } }` + strings.Repeat(" ", 10000)
		if r := w.gql("dev", long, nil); !reflect.DeepEqual(r.messages(), []string{"Query too large: 10022 characters, at most 10000"}) {
			t.Fatalf("length: %v", r.messages())
		}
		status, body := w.rawGQL(http.MethodPost, `{"query":"{ currentUser { id } }","variables":{"pad":"`+strings.Repeat("x", 1<<20)+`"}}`)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"errors":[{"message":"Request body too large: at most 1048576 bytes"}]`) {
			t.Fatalf("body limit: %d %s", status, snippet(body))
		}
		// Syntax errors are GraphQL errors with 200, as GitLab answers; GET runs queries, not mutations.
		if status, body := w.rawGQL(http.MethodPost, `{"query":"{ currentUser { "}`); status != http.StatusOK || !strings.Contains(body, `"errors"`) {
			t.Fatalf("syntax error: %d %s", status, body)
		}
		if status, body := w.rawGQL(http.MethodGet, "query=%7B+currentUser+%7B+username+%7D+%7D"); status != http.StatusOK || body != `{"data":{"currentUser":{"username":"admin"}}}` {
			t.Fatalf("GET: %d %s", status, body)
		}
		if status, body := w.rawGQL(http.MethodGet, "query=mutation+%7B+x+%7D"); status == http.StatusOK && !strings.Contains(body, "errors") {
			t.Fatalf("GET mutation: %d %s", status, body)
		}
	})
}

const projectSettingsMutation = `mutation($input: ProjectSettingsUpdateInput!) { projectSettingsUpdate(input: $input) {
	clientMutationId errors projectSettings { duoFeaturesEnabled project { fullPath } } } }`

func TestGraphQLProjectSettingsUpdate(t *testing.T) {
	t.Parallel()
	eachWorld(t, 5, func(t *testing.T, w *gqlWorld) {
		set := func(role string, path string, v any) gqlResult {
			in := map[string]any{"fullPath": path}
			if v != nil {
				in["duoFeaturesEnabled"] = v
			}
			return w.gql(role, projectSettingsMutation, map[string]any{"input": in})
		}
		r := set("owner", "acme/api", false)
		if len(r.Errors) > 0 {
			t.Fatalf("owner: %v", r.messages())
		}
		p := dig(r.Data, "projectSettingsUpdate")
		if dig(p, "projectSettings", "duoFeaturesEnabled") != false || !reflect.DeepEqual(dig(p, "errors"), []any{}) ||
			dig(p, "projectSettings", "project", "fullPath") != "acme/api" {
			t.Fatalf("owner: %s", jsonText(p))
		}
		if d := w.gqlOK("dev", `{ project(fullPath: "acme/api") { duoFeaturesEnabled } }`, nil); dig(d, "project", "duoFeaturesEnabled") != false {
			t.Fatalf("project now %s", jsonText(d))
		}
		// Developers, auditors and strangers may not; a missing project is the same answer.
		for _, c := range []struct{ role, path string }{{"dev", "acme/api"}, {"support", "acme/api"}, {"zed01", "acme/api"}, {"admin", "acme/nope"}} {
			if r := set(c.role, c.path, true); !reflect.DeepEqual(r.messages(), []string{notAvailable}) {
				t.Errorf("%s on %s: %v", c.role, c.path, r.messages())
			}
		}
		if r := set("owner", "acme/api", nil); !reflect.DeepEqual(r.messages(), []string{"Must provide at least one argument"}) {
			t.Errorf("no argument: %v", r.messages())
		}
		// Under an Always off group the switch is locked, even for admins.
		if _, err := w.store.SetGroupDuoAvailability(t.Context(), models.ActorFor(w.users["admin"]), w.acme, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		r = set("admin", "acme/api", true)
		p = dig(r.Data, "projectSettingsUpdate")
		if !reflect.DeepEqual(dig(p, "errors"), []any{"Duo features enabled cannot be changed because it is locked by an ancestor"}) ||
			dig(p, "projectSettings", "duoFeaturesEnabled") != false {
			t.Fatalf("locked: %s %v", jsonText(p), r.messages())
		}
		if d := w.gqlOK("owner", `{ group(fullPath: "acme") { duoFeaturesEnabled lockDuoFeaturesEnabled } }`, nil); jsonText(d) != `{"group":{"duoFeaturesEnabled":false,"lockDuoFeaturesEnabled":true}}` {
			t.Fatalf("group %s", jsonText(d))
		}
	})
}
