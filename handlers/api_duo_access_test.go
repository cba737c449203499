package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/storetest"
)

// accessAPI is an app with the Duo org, tokens for the harness users and a
// way to count the SQL statements of one request.
type accessAPI struct {
	*app
	o     duoOrg
	tok   map[string]string
	count atomic.Bool
	mu    sync.Mutex
	stmts []string
}

func newAccessAPI(t *testing.T, d models.Deployment) *accessAPI {
	t.Helper()
	a := &accessAPI{app: newApp(t, storetest.Any(t), d), tok: map[string]string{}}
	a.o = a.duoOrg()
	// dev works in acme/platform only: sees platform, api, core, gateway.
	a.mkMember(models.GroupSource(a.o.platform), a.users["dev"], models.Developer)
	a.addUser("zed")
	for _, n := range []string{"admin", "support", "owner", "dev", "zed"} {
		a.tok[n] = a.duoToken(n)
	}
	a.store.OnStatement(func(sql string) {
		if a.count.Load() {
			a.mu.Lock()
			a.stmts = append(a.stmts, sql)
			a.mu.Unlock()
		}
	})
	return a
}

func (a *accessAPI) addUser(name string) {
	a.users[name] = a.mustUser(models.UserInput{Username: name, Name: strings.ToUpper(name), Email: name + "@example.com", Password: testPassword})
}

// buy gives the instance (namespace nil) or a group a purchase of 10 seats
// and assigns them to users.
func (a *accessAPI) buy(ns *models.Group, addOn models.AddOn, users ...string) *models.AddOnPurchase {
	a.t.Helper()
	ctx := context.Background()
	actor := models.ActorFor(a.users["admin"])
	in := models.PurchaseInput{AddOn: addOn, Quantity: 10, ExpiresOn: models.Today().AddDays(300), PurchaseXID: "A-S00099999"}
	d := models.SelfManaged
	if ns != nil {
		in.NamespaceID, d = &ns.ID, models.GitLabCom
	} else if err := a.store.SetInstancePlan(ctx, actor, models.PlanUltimate); err != nil {
		a.t.Fatal(err)
	}
	p, err := a.store.CreatePurchase(ctx, actor, d, in)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, u := range users {
		if _, err := a.store.AssignSeat(ctx, actor, p.ID, a.users[u].ID); err != nil {
			a.t.Fatalf("assign %s: %v", u, err)
		}
	}
	return p
}

func (a *accessAPI) get(role, path string) apiRes {
	a.t.Helper()
	return a.api("GET", path, a.tok[role], "")
}

// access asks GET /api/v4/duo/access with the query as role.
func (a *accessAPI) access(role string, q url.Values) apiRes {
	a.t.Helper()
	return a.get(role, "/api/v4/duo/access?"+q.Encode())
}

// counted runs fn and returns the SQL statements it caused.
func (a *accessAPI) counted(fn func()) []string {
	a.mu.Lock()
	a.stmts = nil
	a.mu.Unlock()
	a.count.Store(true)
	fn()
	a.count.Store(false)
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.stmts...)
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// wantDecision checks the verdict, reason, tier (nil for none), outcome and
// the path's nodes.
func wantDecision(t *testing.T, r apiRes, allowed bool, reason string, tier any, nodes string) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Raw)
	}
	b := r.Body
	if b["allowed"] != allowed || b["reason"] != reason || b["tier"] != tier {
		t.Fatalf("allowed=%v reason=%v tier=%v, want %v %s %v: %s", b["allowed"], b["reason"], b["tier"], allowed, reason, tier, r.Raw)
	}
	var got []string
	steps, _ := b["path"].([]any)
	for _, s := range steps {
		st := s.(map[string]any)
		if st["question"] == "" || st["answer"] == "" {
			t.Fatalf("incomplete step %v", st)
		}
		got = append(got, st["node"].(string))
	}
	if strings.Join(got, " ") != nodes {
		t.Fatalf("path %s, want %s: %s", strings.Join(got, " "), nodes, r.Raw)
	}
	if msg, _ := b["message"].(string); msg == "" || b["outcome"] == "" {
		t.Fatalf("no message or outcome: %s", r.Raw)
	}
	if len(b) != 6 {
		t.Fatalf("fields %v, want allowed, reason, message, tier, path, outcome", b)
	}
}

const knownFeatures = "code_suggestions, duo_chat, explain_code, refactor_code, fix_code, write_tests, documentation_search, " +
	"summarize_comments, generate_commit_message, review_merge_request, troubleshoot_job, explain_vulnerability, " +
	"resolve_vulnerability, generate_issue_description, summarize_review"

func TestAPIDuoAccessSelfManaged(t *testing.T) {
	t.Parallel()
	a := newAccessAPI(t, models.SelfManaged)
	a.buy(nil, models.AddOnDuoPro, "dev")
	cs := q("feature", "code_suggestions")

	// Themselves, by omission or by name in any case.
	wantDecision(t, a.access("dev", cs), true, "allowed", "duo_pro", "A B D R1")
	wantDecision(t, a.access("dev", q("feature", "code_suggestions", "user", "DEV")), true, "allowed", "duo_pro", "A B D R1")
	wantDecision(t, a.access("owner", cs), false, "no_seat", nil, "A B D F")
	// Pro covers Chat everywhere but not Enterprise features.
	wantDecision(t, a.access("dev", q("feature", "duo_chat", "context", "web_ui")), true, "allowed", "duo_pro", "A B D R1")
	wantDecision(t, a.access("dev", q("feature", "review_merge_request", "context", "web_ui")), false, "feature_not_in_tier", nil, "A B D D1")
	r := a.access("dev", q("feature", "code_suggestions", "origin", "unknown"))
	wantDecision(t, r, true, "allowed", "duo_pro", "A B D R1")
	if last := r.Body["path"].([]any)[3].(map[string]any); last["answer"] != "No — a repository of unknown origin" {
		t.Fatalf("unknown origin step %v", last)
	}

	// Resources dev belongs to, through acme/platform.
	wantDecision(t, a.access("dev", q("feature", "code_suggestions", "project", "acme/platform/core")), true, "allowed", "duo_pro", "A B D R1 R2")
	wantDecision(t, a.access("dev", q("feature", "code_suggestions", "group", "Acme/Platform/API")), true, "allowed", "duo_pro", "A B D R1 R2")
	a.duoSetGroup(a.o.platform, models.NeverOn)
	r = a.access("dev", q("feature", "code_suggestions", "project", "acme/platform/core"))
	wantDecision(t, r, false, "resource_duo_disabled", nil, "A B D R1 R2")
	if r.Body["message"] != access.ResourceDisabledMessage || r.Body["outcome"] != "Cannot use Duo with this resource" {
		t.Fatalf("resource denial: %s", r.Raw)
	}
	// A seat still works elsewhere.
	wantDecision(t, a.access("dev", cs), true, "allowed", "duo_pro", "A B D R1")

	// Resources dev cannot see, or that do not exist: 404 alike.
	wantAPI(t, a.access("dev", q("feature", "code_suggestions", "project", "acme/web")), http.StatusNotFound, apiMessage("404 Project Not Found"))
	wantAPI(t, a.access("dev", q("feature", "code_suggestions", "group", "acme")), http.StatusNotFound, apiMessage("404 Group Not Found"))
	wantAPI(t, a.access("dev", q("feature", "code_suggestions", "project", "acme/nope")), http.StatusNotFound, apiMessage("404 Project Not Found"))
	wantAPI(t, a.access("admin", q("feature", "code_suggestions", "project", "acme/nope")), http.StatusNotFound, apiMessage("404 Project Not Found"))
	wantAPI(t, a.access("support", q("feature", "code_suggestions", "group", "nope")), http.StatusNotFound, apiMessage("404 Group Not Found"))

	// Others: admins and auditors only; a non-admin learns nothing about
	// whether the user exists.
	wantAPI(t, a.access("dev", q("feature", "code_suggestions", "user", "owner")), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantAPI(t, a.access("owner", q("feature", "code_suggestions", "user", "ghost")), http.StatusForbidden, apiMessage("403 Forbidden"))
	wantDecision(t, a.access("admin", q("feature", "code_suggestions", "user", "owner")), false, "no_seat", nil, "A B D F")
	wantDecision(t, a.access("support", q("feature", "code_suggestions", "user", "dev", "project", "acme/web")), true, "allowed", "duo_pro", "A B D R1 R2")
	wantDecision(t, a.access("admin", q("feature", "code_suggestions", "user", "dev", "project", "acme/platform/core")), false, "resource_duo_disabled", nil, "A B D R1 R2")
	wantAPI(t, a.access("admin", q("feature", "code_suggestions", "user", "ghost")), http.StatusNotFound, apiMessage("404 User Not Found"))
	wantAPI(t, a.access("", cs), http.StatusUnauthorized, apiMessage("401 Unauthorized"))

	// Duo Core: Chat and Code Suggestions in the IDE, Code Suggestions in the Web IDE.
	if err := a.store.SetInstanceDuoCore(context.Background(), models.ActorFor(a.users["admin"]), true); err != nil {
		t.Fatal(err)
	}
	wantDecision(t, a.access("owner", cs), true, "allowed", "duo_core", "A B D F H J")
	wantDecision(t, a.access("owner", q("feature", "code_suggestions", "context", "web_ide")), true, "allowed", "duo_core", "A B D F H J")
	wantDecision(t, a.access("owner", q("feature", "duo_chat", "context", "web_ide")), false, "duo_core_ide_only", nil, "A B D F H")
	wantDecision(t, a.access("owner", q("feature", "explain_code")), false, "duo_core_ide_only", nil, "A B D F H")
	wantDecision(t, a.access("owner", q("feature", "code_suggestions", "project", "acme/web")), true, "allowed", "duo_core", "A B D F H J L")

	// Always off on the instance: nobody, seat or not.
	a.duoSetInstance(models.NeverOn)
	wantDecision(t, a.access("dev", cs), false, "instance_never_on", nil, "A B")
}

func TestAPIDuoAccessBadRequests(t *testing.T) {
	t.Parallel()
	a := newAccessAPI(t, models.SelfManaged)
	cases := []struct {
		q   url.Values
		msg string
	}{
		{q(), "feature is missing; known features: " + knownFeatures},
		{q("feature", "x"), `unknown feature "x"; known features: ` + knownFeatures},
		{q("feature", "code_suggestions", "context", "cli"), `unknown context "cli"; known contexts: ide, web_ui, web_ide`},
		{q("feature", "code_suggestions", "project", "acme/web", "group", "acme"), "project, group and origin are mutually exclusive"},
		{q("feature", "code_suggestions", "project", "acme/web", "origin", "unknown"), "project, group and origin are mutually exclusive"},
		{q("feature", "code_suggestions", "origin", "github"), `origin must be "unknown" when given, not "github"`},
	}
	for _, c := range cases {
		// Checked before anything else: an admin asking about a missing
		// user gets the 400 too.
		for _, role := range []string{"dev", "admin"} {
			qq := url.Values{}
			for k, v := range c.q {
				qq[k] = v
			}
			if role == "admin" {
				qq.Set("user", "ghost")
			}
			wantAPI(t, a.access(role, qq), http.StatusBadRequest, apiMessage(c.msg))
		}
	}
}

func TestAPIDuoAccessGitLabCom(t *testing.T) {
	t.Parallel()
	a := newAccessAPI(t, models.GitLabCom)
	a.buy(a.o.acme, models.AddOnDuoEnterprise, "dev")
	cs := q("feature", "code_suggestions")

	r := a.access("dev", q("feature", "troubleshoot_job", "context", "web_ui"))
	wantDecision(t, r, true, "allowed", "duo_enterprise", "A B D R1")
	if b := r.Body["path"].([]any)[1].(map[string]any); b["question"] != "Member of Premium/Ultimate group?" || b["answer"] != "Yes — acme" {
		t.Fatalf("membership step %v", b)
	}
	wantDecision(t, a.access("zed", cs), false, "not_member_of_paid_group", nil, "A B")
	wantDecision(t, a.access("owner", cs), false, "no_seat", nil, "A B D F")
	if err := a.store.SetGroupDuoCore(context.Background(), models.ActorFor(a.users["admin"]), a.o.acme, true); err != nil {
		t.Fatal(err)
	}
	wantDecision(t, a.access("owner", cs), true, "allowed", "duo_core", "A B D F H J")
	wantDecision(t, a.access("owner", q("feature", "duo_chat", "context", "web_ui")), false, "duo_core_ide_only", nil, "A B D F H")

	a.duoSetGroup(a.o.platform, models.DefaultOff)
	wantDecision(t, a.access("owner", q("feature", "code_suggestions", "group", "acme/platform")), false, "resource_duo_disabled", nil, "A B D F H J L")
	wantDecision(t, a.access("dev", q("feature", "code_suggestions", "project", "acme/platform/api/gateway")), false, "resource_duo_disabled", nil, "A B D R1 R2")
	wantDecision(t, a.access("owner", q("feature", "code_suggestions", "project", "acme/web")), true, "allowed", "duo_core", "A B D F H J L")
	wantAPI(t, a.access("zed", q("feature", "code_suggestions", "project", "acme/web")), http.StatusNotFound, apiMessage("404 Project Not Found"))
	wantDecision(t, a.access("support", q("feature", "code_suggestions", "user", "zed")), false, "not_member_of_paid_group", nil, "A B")
	wantAPI(t, a.access("zed", q("feature", "code_suggestions", "user", "dev")), http.StatusForbidden, apiMessage("403 Forbidden"))
}

// The access API is the IDEs' hot path: count what one call costs.
func TestAPIDuoAccessQueryCount(t *testing.T) {
	t.Parallel()
	for _, d := range []models.Deployment{models.SelfManaged, models.GitLabCom} {
		t.Run(string(d), func(t *testing.T) {
			a := newAccessAPI(t, d)
			if d == models.GitLabCom {
				a.buy(a.o.acme, models.AddOnDuoPro, "dev")
			} else {
				a.buy(nil, models.AddOnDuoPro, "dev")
			}
			// The first call records the token's use; later ones within a
			// minute do not.
			a.access("dev", q("feature", "code_suggestions"))
			// The token and its user, then one statement for the rest: the
			// seats, on GitLab.com the paid groups, and a group or project
			// named with its ancestors and whether the asker may see it.
			cases := []struct {
				name, role string
				q          url.Values
				max        int
				status     int
			}{
				{"self, no resource", "dev", q("feature", "code_suggestions"), 2, http.StatusOK},
				{"self, project", "dev", q("feature", "code_suggestions", "project", "acme/platform/core"), 2, http.StatusOK},
				{"self, group", "dev", q("feature", "code_suggestions", "group", "acme/platform"), 2, http.StatusOK},
				{"self, project not a member of", "dev", q("feature", "code_suggestions", "project", "acme/web"), 2, http.StatusNotFound},
				{"self, missing group", "dev", q("feature", "code_suggestions", "group", "acme/nope"), 2, http.StatusNotFound},
				// + the user asked about.
				{"admin about another, project", "admin", q("feature", "code_suggestions", "user", "dev", "project", "acme/platform/core"), 3, http.StatusOK},
			}
			a.access("admin", q("feature", "code_suggestions"))
			for _, c := range cases {
				var r apiRes
				stmts := a.counted(func() { r = a.access(c.role, c.q) })
				if r.Status != c.status {
					t.Fatalf("%s: %d %s", c.name, r.Status, r.Raw)
				}
				t.Logf("%s: %d statements", c.name, len(stmts))
				for _, s := range stmts {
					t.Logf("    %s", strings.Join(strings.Fields(s), " "))
				}
				if len(stmts) > c.max {
					t.Errorf("%s: %d statements, at most %d expected", c.name, len(stmts), c.max)
				}
			}
		})
	}
}

// On GitLab.com the paid group comes from any membership below it or from
// a seat, and a resource is seen through a membership of it or of an
// ancestor, never through an invited group.
func TestAPIDuoAccessGitLabComMembershipPaths(t *testing.T) {
	t.Parallel()
	a := newAccessAPI(t, models.GitLabCom)
	ctx := context.Background()
	admin := models.ActorFor(a.users["admin"])
	partners := a.mkGroup(nil, "partners", "Partners", models.PlanFree)
	if err := a.store.CreateGroupLink(ctx, admin, a.o.platform, partners, models.Developer); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"coder", "visitor", "partner"} {
		a.addUser(n)
		a.tok[n] = a.duoToken(n)
	}
	a.mkMember(models.ProjectSource(a.o.gateway, a.o.api), a.users["coder"], models.Developer)
	a.mkMember(models.ProjectSource(a.o.web, a.o.acme), a.users["visitor"], models.Guest)
	a.mkMember(models.GroupSource(partners), a.users["partner"], models.Maintainer)
	a.buy(a.o.acme, models.AddOnDuoPro, "coder", "partner")
	if err := a.store.SetGroupDuoCore(ctx, admin, a.o.acme, true); err != nil {
		t.Fatal(err)
	}
	cs := q("feature", "code_suggestions")
	member := func(r apiRes) any { return r.Body["path"].([]any)[1].(map[string]any)["answer"] }

	// A project membership three levels down makes acme theirs.
	r := a.access("coder", q("feature", "code_suggestions", "project", "acme/platform/api/gateway"))
	wantDecision(t, r, true, "allowed", "duo_pro", "A B D R1 R2")
	if member(r) != "Yes — acme" {
		t.Fatalf("coder's membership step: %s", r.Raw)
	}
	// A Guest of a project is in acme but does not get Duo Core.
	wantDecision(t, a.access("visitor", cs), false, "no_seat", nil, "A B D F")
	wantDecision(t, a.access("visitor", q("feature", "code_suggestions", "project", "acme/web")), false, "no_seat", nil, "A B D F")
	// A seat holder who is in acme only through an invited group.
	r = a.access("partner", cs)
	wantDecision(t, r, true, "allowed", "duo_pro", "A B D R1")
	if member(r) != "Yes — acme" {
		t.Fatalf("partner's membership step: %s", r.Raw)
	}

	notFound := []struct{ role, kind, path string }{
		{"coder", "group", "acme/platform/api"}, // a project's member does not see its group
		{"coder", "project", "acme/platform/core"},
		{"visitor", "group", "acme"},
		{"partner", "group", "acme/platform"}, // invited groups do not count
		{"partner", "project", "acme/platform/core"},
		{"zed", "project", "acme/platform/api/gateway"},
	}
	for _, c := range notFound {
		noun := map[string]string{"group": "Group", "project": "Project"}[c.kind]
		wantAPI(t, a.access(c.role, q("feature", "code_suggestions", c.kind, c.path)), http.StatusNotFound, apiMessage("404 "+noun+" Not Found"))
	}
	// dev is in acme/platform: its subgroups and projects, all the way down.
	wantDecision(t, a.access("dev", q("feature", "code_suggestions", "group", "acme/platform/api")), true, "allowed", "duo_core", "A B D F H J L")
	wantDecision(t, a.access("dev", q("feature", "code_suggestions", "project", "acme/platform/api/gateway")), true, "allowed", "duo_core", "A B D F H J L")
	// Admins and auditors see all, members or not.
	wantDecision(t, a.access("support", q("feature", "code_suggestions", "user", "partner", "project", "acme/platform/core")), true, "allowed", "duo_pro", "A B D R1 R2")
}

// As serve runs it on Postgres, with the change listener keeping the access
// cache live: a repeated question costs no statement, and a seat removed
// through the Store is seen by the very next call.
func TestAPIDuoAccessWithLiveCache(t *testing.T) {
	t.Parallel()
	a := newAccessAPI(t, models.GitLabCom)
	if a.store.Dialect() != models.Postgres {
		t.Skip("the access cache is live only on Postgres (TEST_DATABASE_URL)")
	}
	p := a.buy(a.o.acme, models.AddOnDuoPro, "dev")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.store.ListenForChanges(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(5 * time.Second); !a.store.AccessCacheLive(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the access cache did not go live")
		}
	}
	ask := q("feature", "code_suggestions", "project", "acme/platform/core")
	wantDecision(t, a.access("dev", ask), true, "allowed", "duo_pro", "A B D R1 R2")
	var r apiRes
	if stmts := a.counted(func() { r = a.access("dev", ask) }); len(stmts) != 0 {
		t.Errorf("repeated question: %d statements, want none: %v", len(stmts), stmts)
	}
	if r.Body["allowed"] != true {
		t.Fatalf("repeated question: %s", r.Raw)
	}
	if _, err := a.store.UnassignSeat(ctx, models.ActorFor(a.users["owner"]), p.ID, a.users["dev"].ID); err != nil {
		t.Fatal(err)
	}
	if r := a.access("dev", ask); r.Body["allowed"] != false || r.Body["reason"] != "no_seat" {
		t.Fatalf("after the seat was removed: %s", r.Raw)
	}
	m := a.as("admin").get("/-/metrics").Body
	for _, want := range []string{"duoadmin_access_cache_live 1",
		`duoadmin_access_cache_lookups_total{kind="facts",result="hit"} 1`,
		`duoadmin_access_cache_lookups_total{kind="facts",result="miss"} 2`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
}
