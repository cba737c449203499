package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// gqlWorld is an app driven with GitLab's official Go client
// (gitlab.com/gitlab-org/api/client-go/v2): acme (Ultimate, owner its
// Owner, dev a Developer, five zed users Developers), its subgroup
// acme/sub and project acme/api, and other (nobody's). On GitLab.com acme
// holds a Duo Pro purchase of seats; on self-managed the instance does.
type gqlWorld struct {
	*seatsAPI
	d        models.Deployment
	acme     *models.Group
	sub      *models.Group
	other    *models.Group
	api      *models.Project
	purchase *models.AddOnPurchase
	clients  map[string]*gitlab.Client
}

func newGQLWorld(t *testing.T, s *models.Store, d models.Deployment, seats int) *gqlWorld {
	t.Helper()
	a := newApp(t, s, d)
	w := &gqlWorld{seatsAPI: &seatsAPI{app: a, tok: map[string]string{"": ""}}, d: d, clients: map[string]*gitlab.Client{}}
	w.acme = a.acmeOwnedByOwner()
	w.sub = a.mkGroup(w.acme, "sub", "Sub", "")
	w.other = a.mkGroup(nil, "other", "Other", models.PlanUltimate)
	w.api = a.mkProject(w.acme, "api", "API")
	a.mkMember(models.GroupSource(w.acme), a.users["dev"], models.Developer)
	for i := 1; i <= 5; i++ {
		n := fmt.Sprintf("zed%02d", i)
		a.users[n] = a.mustUser(models.UserInput{Username: n, Name: fmt.Sprintf("Zed %02d", i), Email: n + "@example.com", PublicEmail: i == 1})
		a.mkMember(models.GroupSource(w.acme), a.users[n], models.Developer)
	}
	today := models.Today()
	if d == models.GitLabCom {
		w.purchase = w.seatsAPI.purchase(w.acme, models.AddOnDuoPro, seats, nil, today.AddDays(100), false)
	} else {
		w.ultimateInstance()
		w.purchase = w.seatsAPI.purchase(nil, models.AddOnDuoPro, seats, nil, today.AddDays(100), false)
	}
	for _, n := range []string{"admin", "support", "owner", "dev", "zed01"} {
		w.tok[n] = a.duoToken(n)
		c, err := gitlab.NewClient(w.tok[n], gitlab.WithBaseURL(a.http.URL+"/api/v4"), gitlab.WithoutRetries())
		if err != nil {
			t.Fatal(err)
		}
		w.clients[n] = c
	}
	return w
}

// eachWorld runs fn on both databases in both deployments.
func eachWorld(t *testing.T, seats int, fn func(t *testing.T, w *gqlWorld)) {
	t.Helper()
	for _, d := range []models.Deployment{models.SelfManaged, models.GitLabCom} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, s *models.Store) { fn(t, newGQLWorld(t, s, d, seats)) })
		})
	}
}

type gqlResult struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message string `json:"message"`
		Path    []any  `json:"path"`
	} `json:"errors"`
}

// messages are the top-level errors' messages.
func (r gqlResult) messages() []string {
	out := []string{}
	for _, e := range r.Errors {
		out = append(out, e.Message)
	}
	return out
}

// gql runs a query as role with client-go's GraphQL helper.
func (w *gqlWorld) gql(role, query string, vars map[string]any) gqlResult {
	w.t.Helper()
	var out gqlResult
	res, err := w.clients[role].GraphQL.Do(gitlab.GraphQLQuery{Query: query, Variables: vars}, &out)
	if err != nil {
		w.t.Fatalf("graphql as %s: %v", role, err)
	}
	if res.StatusCode != http.StatusOK {
		w.t.Fatalf("graphql as %s: status %d", role, res.StatusCode)
	}
	return out
}

// gqlOK runs a query that must answer without top-level errors.
func (w *gqlWorld) gqlOK(role, query string, vars map[string]any) map[string]any {
	w.t.Helper()
	r := w.gql(role, query, vars)
	if len(r.Errors) > 0 {
		w.t.Fatalf("graphql as %s: errors %v", role, r.messages())
	}
	return r.Data
}

// dig walks decoded JSON by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func gidOf(model string, id int64) string { return fmt.Sprintf("gid://gitlab/%s/%d", model, id) }

func (w *gqlWorld) userGID(name string) string { return gidOf("User", w.users[name].ID) }

func (w *gqlWorld) purchaseGID() string {
	return gidOf("GitlabSubscriptions::AddOnPurchase", w.purchase.ID)
}

// fill puts ids into a query copied from GitLab's docs.
func fill(query string, pairs ...string) string { return strings.NewReplacer(pairs...).Replace(query) }

func (w *gqlWorld) seatHolders() []string {
	w.t.Helper()
	return w.holders(w.purchase)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
