package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The authorization matrix walks every route the server declares, as every
// kind of viewer, and checks the status class handlers/authz.go demands.
// It asserts the RULE, not what a screen does with valid input: an allowed
// request must only not fail authorization (no 401/403/404, no 5xx, no trip
// to the sign-in page); a denied one must fail with exactly the right status
// and change nothing.

// matrixRoles: "" is the signed-out visitor; the others are the harness
// users. In /api/v4 they authenticate with a personal access token each.
var matrixRoles = []string{"", "admin", "support", "owner", "dev"}

func roleName(role string) string {
	if role == "" {
		return "signed out"
	}
	return role
}

// parentChecked routes are SignedIn at the router; their handler checks the
// parent group with authorizeGroup, so in effect they follow GroupOwner on
// the parent the request names.
var parentChecked = map[string]bool{
	"GET /groups/new": true, "POST /groups": true, "GET /projects/new": true, "POST /projects": true,
}

// scope is the group/project a scoped request is about: "acme" (owned by
// owner) or "other" (owned by nobody).
type scope struct {
	group           *models.Group
	project         *models.Project
	groupMemberID   int64 // victim's developer membership of group
	projectMemberID int64 // dev's developer membership of project
	purchaseID      int64 // GitLab.com: the group's Duo Pro purchase
	hookID          int64 // the group's webhook
	ruleID, runID   int64 // GitLab.com: an assignment rule and a held run of it
	requestID       int64 // GitLab.com: victim's pending seat request of it
}

type matrixFixture struct {
	*app
	victim  *models.User // target of mutating admin routes, never a viewer
	invitee *models.User // not a member anywhere, for invite forms
	scopes  map[string]scope
	tokens  map[string]string // role → personal access token
	// Self-managed: the instance's subscription and its Duo Pro purchase.
	subscription     string
	instancePurchase int64
	// Self-managed: a self-hosted model (with Duo Enterprise, so the pages exist).
	selfHostedModel int64
	systemHook      int64 // a system hook (/admin/hooks/:id)
	// Self-managed: an assignment rule and a held run of the instance's Duo
	// Pro purchase (the API's) and of the one the screens manage (Duo
	// Enterprise, when there are both).
	instanceRule, instanceRun int64
	screenRule, screenRun     int64
	// Self-managed: the Duo Enterprise purchase (the one the seat screens
	// manage) and victim's pending seat requests of it and of the Duo Pro one.
	screenPurchase  int64
	screenRequest   int64
	instanceRequest int64
}

// mkSeatRequest writes victim's pending request of a purchase.
func (f *matrixFixture) mkSeatRequest(t *testing.T, purchaseID int64) int64 {
	t.Helper()
	db, _ := f.store.SQLDB()
	var id int64
	if err := db.QueryRow(`INSERT INTO seat_requests (add_on_purchase_id, user_id, note, state, created_at)
		VALUES ($1, $2, 'matrix', 'pending', $3) RETURNING id`, purchaseID, f.victim.ID, time.Now().UTC()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// ruleAndHeldRun gives a purchase an assignment rule (matching nobody) and
// a held sync run, so the rule screens' ids exist.
func ruleAndHeldRun(t *testing.T, a *app, purchaseID int64, group string) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	res, err := a.store.ChangeRule(ctx, models.ActorFor(a.users["admin"]), purchaseID, models.RuleChange{Op: models.RuleCreate,
		Input: models.RuleInput{SourceKind: "group", Source: group, MinAccessLevel: "owner", Mode: "assign", Excluded: "owner"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	db, _ := a.store.SQLDB()
	var run int64
	if err := db.QueryRow(`INSERT INTO seat_sync_runs (add_on_purchase_id, kind, trigger, status, hold_reason, diff, created_at, expires_at)
		VALUES ($1, 'rules', 'scheduled', 'held', 'test', '{}', $2, $3) RETURNING id`, purchaseID, time.Now().UTC(), time.Now().UTC().Add(time.Hour)).Scan(&run); err != nil {
		t.Fatal(err)
	}
	return res.Rule.ID, run
}

// matrixBindDN is the fixture LDAP server's bind DN, which only the admin
// area may show.
const matrixBindDN = "cn=matrix-bind,dc=example,dc=org"

func isAPIPath(p string) bool { return strings.HasPrefix(p, "/api/") }

// effectiveAccess is the rule a request really meets. Some routes are
// SignedIn at the router and check their resource in the handler:
// /groups/new and friends check the parent with authorizeGroup, /api/v4
// checks :id through apiGroup / apiProject, and the instance-wide API
// settings follow the admin area.
func effectiveAccess(r handlers.RouteInfo, d models.Deployment) handlers.Access {
	switch {
	case strings.HasPrefix(r.Path, "/api/v4/add_on_purchases/") && d == models.SelfManaged:
		return handlers.AdminArea // every purchase is the instance's: admins change seats, auditors read
	case parentChecked[r.Method+" "+r.Path], strings.HasPrefix(r.Path, "/api/v4/groups/"):
		return handlers.GroupOwner
	case strings.HasPrefix(r.Path, "/api/v4/projects/"):
		return handlers.ProjectOwner
	case strings.HasPrefix(r.Path, "/api/v4/add_on_purchases/"):
		return handlers.GroupOwner // a GitLab.com purchase belongs to its top-level group
	case r.Path == "/api/v4/add_on_purchases":
		return handlers.AdminArea // the instance's purchases (self-managed)
	case r.Path == "/api/v4/audit_events", r.Path == "/api/v4/duo/usage_events":
		return handlers.AdminArea // instance-wide: admins (auditors read)
	case strings.HasPrefix(r.Path, "/api/v4/application/"):
		return handlers.AdminArea
	}
	return r.Access
}

// deploymentsFor is where a route's screen exists; elsewhere it is a 404
// for everyone, which would hide what authorization does.
func deploymentsFor(r handlers.RouteInfo) []models.Deployment {
	if strings.HasPrefix(r.Path, "/api/v4/add_on_purchases/") || enforcerOnly[r.Path] {
		// A group's purchase on GitLab.com, the instance's on self-managed.
		return []models.Deployment{models.GitLabCom, models.SelfManaged}
	}
	for _, prefix := range []string{
		"/groups/:group_path/-/settings/gitlab_duo", // top-level groups manage Duo only on GitLab.com
		"/groups/:group_path/-/usage_quotas/gitlab_duo",
		"/groups/:group_path/-/billings",
		"/groups/:group_path/-/hooks", // .com owners of a top-level group
	} {
		if strings.HasPrefix(r.Path, prefix) {
			return []models.Deployment{models.GitLabCom}
		}
	}
	return []models.Deployment{models.SelfManaged}
}

// enforcerOnly routes belong to those who may enforce a group's GitLab Duo
// setting (#21): administrators, and on GitLab.com the owners of a
// subgroup's top-level group. The fixture's groups are top-level, so their
// owner may not: hidden, as from any other user.
var enforcerOnly = map[string]bool{"/groups/:group_path/-/settings/gitlab_duo/enforcement": true}

// isScoped: the route is about a group or project of the fixture.
func isScoped(r handlers.RouteInfo) bool {
	return strings.HasPrefix(r.Path, "/groups/:group_path") || strings.HasPrefix(r.Path, "/:project_path") ||
		parentChecked[r.Method+" "+r.Path] ||
		strings.HasPrefix(r.Path, "/api/v4/groups/") || strings.HasPrefix(r.Path, "/api/v4/projects/") ||
		strings.HasPrefix(r.Path, "/api/v4/add_on_purchases/")
}

// newMatrixFixture seeds: acme (Ultimate, owner is its Owner, victim a
// developer) with project acme/backend (dev a developer, not owner), and other
// (owned by nobody) with other/backend, with the same kind of memberships so
// every :id in the matrix exists.
func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	return newMatrixFixtureOn(t, models.SelfManaged)
}

func newMatrixFixtureOn(t *testing.T, d models.Deployment) *matrixFixture {
	t.Helper()
	a := newApp(t, storetest.SQLite(t), d)
	f := &matrixFixture{app: a, scopes: map[string]scope{}, tokens: map[string]string{}}
	f.victim = a.mustUser(models.UserInput{Username: "victim", Name: "Vic Tim", Email: "victim@example.com", Password: testPassword})
	f.invitee = a.mustUser(models.UserInput{Username: "invitee", Name: "Ivy Invitee", Email: "invitee@example.com", Password: testPassword})
	ctx := context.Background()
	actor := models.ActorFor(a.users["admin"])
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"acme", "other"} {
		g, err := a.store.CreateGroup(ctx, actor, nil, models.GroupInput{Path: name, Name: strings.ToUpper(name[:1]) + name[1:] + " Inc", Plan: models.PlanUltimate})
		must(err)
		p, err := a.store.CreateProject(ctx, actor, g, models.ProjectInput{Path: "backend", Name: g.Name + " Backend"})
		must(err)
		if name == "acme" {
			_, err = a.store.AddMember(ctx, actor, models.GroupSource(g), a.users["owner"], models.Owner)
			must(err)
		}
		gm, err := a.store.AddMember(ctx, actor, models.GroupSource(g), f.victim, models.Developer)
		must(err)
		pm, err := a.store.AddMember(ctx, actor, models.ProjectSource(p, g), a.users["dev"], models.Developer)
		must(err)
		sc := scope{group: g, project: p, groupMemberID: gm.ID, projectMemberID: pm.ID}
		// A closed loopback port: a test delivery fails at once.
		gh, err := a.store.CreateWebHook(ctx, actor, &g.ID, models.WebHookInput{URL: "http://127.0.0.1:1/" + name, Token: "matrix-secret"})
		must(err)
		sc.hookID = gh.ID
		if d == models.GitLabCom {
			pu, err := a.store.CreatePurchase(ctx, actor, d, models.PurchaseInput{AddOn: models.AddOnDuoPro, NamespaceID: &g.ID,
				Quantity: 5, ExpiresOn: models.Today().AddDays(30), PurchaseXID: "A-S-" + name})
			must(err)
			sc.purchaseID = pu.ID
			sc.requestID = f.mkSeatRequest(t, pu.ID)
		}
		f.scopes[name] = sc
	}
	if d == models.SelfManaged {
		f.subscription = "A-S00000001"
		_, err := a.store.CreateSubscription(ctx, actor, d, models.SubscriptionInput{Name: f.subscription, Plan: models.PlanUltimate,
			Seats: 50, StartsOn: models.Today().AddDays(-1), EndsOn: models.Today().AddDays(365)})
		must(err)
		pu, err := a.store.CreatePurchase(ctx, actor, d, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 5,
			ExpiresOn: models.Today().AddDays(30), PurchaseXID: f.subscription})
		must(err)
		f.instancePurchase = pu.ID
		f.instanceRule, f.instanceRun = ruleAndHeldRun(t, a, pu.ID, "acme")
		ent, err := a.store.CreatePurchase(ctx, actor, d, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise, Quantity: 5,
			ExpiresOn: models.Today().AddDays(30), PurchaseXID: f.subscription})
		must(err)
		f.screenRule, f.screenRun = ruleAndHeldRun(t, a, ent.ID, "acme")
		f.screenPurchase = ent.ID
		f.screenRequest = f.mkSeatRequest(t, ent.ID)
		f.instanceRequest = f.mkSeatRequest(t, pu.ID)
		// A closed loopback port: test connection fails at once.
		m, err := a.store.CreateSelfHostedModel(ctx, actor, models.SelfHostedModelInput{Name: "matrix", Platform: models.PlatformVLLM,
			ModelFamily: models.FamilyGPT, Endpoint: "http://127.0.0.1:1", Identifier: "gpt"})
		must(err)
		f.selfHostedModel = m.ID
		// An LDAP server on a closed port: test connection fails at once,
		// and a sign-in falls back to the local password.
		_, err = a.store.SaveLDAPServer(ctx, actor, models.LDAPServerInput{Host: "127.0.0.1", Port: "1", Encryption: "plain",
			BindDN: matrixBindDN, Password: "matrix-bind-secret", UserBase: "ou=people,dc=example,dc=org", UserAttribute: "uid",
			GroupBase: "ou=groups,dc=example,dc=org"})
		must(err)
	}
	sh, err := a.store.CreateWebHook(ctx, actor, nil, models.WebHookInput{URL: "http://127.0.0.1:1/system", Token: "matrix-secret"})
	must(err)
	f.systemHook = sh.ID
	if d == models.GitLabCom {
		for name, sc := range f.scopes {
			sc.ruleID, sc.runID = ruleAndHeldRun(t, a, sc.purchaseID, sc.group.FullPath)
			f.scopes[name] = sc
		}
	}
	for role, u := range a.users {
		tok, err := a.store.CreatePersonalAccessToken(ctx, models.ActorFor(u), u, "matrix", nil)
		must(err)
		f.tokens[role] = tok
	}
	return f
}

// concretePath fills a route pattern's params with fixtures that exist.
func (f *matrixFixture) concretePath(r handlers.RouteInfo, sc scope) (string, error) {
	segs := strings.Split(r.Path, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") {
			continue
		}
		switch s {
		case ":group_path":
			segs[i] = sc.group.FullPath
		case ":project_path":
			segs[i] = sc.project.FullPath
		case ":username":
			// Reads look at a real user; writes hit the throwaway victim.
			segs[i] = "dev"
			if r.Method != http.MethodGet {
				segs[i] = f.victim.Username
			}
		case ":state_action":
			segs[i] = "block"
		case ":name":
			segs[i] = f.subscription
		case ":rule_id":
			segs[i] = strconv.FormatInt(max(sc.ruleID, f.instanceRule), 10)
		case ":request_id":
			id := sc.requestID
			if id == 0 {
				id = f.instanceRequest // self-managed
			}
			segs[i] = strconv.FormatInt(id, 10)
		case ":id":
			var id int64
			switch {
			case strings.Contains(r.Path, "assignment_rules/runs/"):
				id = max(sc.runID, f.screenRun)
			case strings.Contains(r.Path, "assignment_rules/") && !isAPIPath(r.Path):
				id = max(sc.ruleID, f.screenRule)
			case strings.HasPrefix(r.Path, "/api/v4/groups/"):
				id = sc.group.ID
			case strings.HasPrefix(r.Path, "/api/v4/projects/"):
				id = sc.project.ID
			case strings.HasPrefix(r.Path, "/api/v4/add_on_purchases/"):
				id = sc.purchaseID
				if id == 0 {
					id = f.instancePurchase // self-managed
				}
			case strings.HasPrefix(r.Path, "/admin/ai/duo_self_hosted/"):
				id = f.selfHostedModel
			case strings.HasPrefix(r.Path, "/api/v4/users/"):
				id = f.victim.ID
			case strings.HasPrefix(r.Path, "/admin/hooks/"):
				id = f.systemHook
			case strings.HasPrefix(r.Path, "/groups/:group_path/-/hooks/"):
				id = sc.hookID
			case strings.HasPrefix(r.Path, "/groups/:group_path"):
				id = sc.groupMemberID
			case strings.HasPrefix(r.Path, "/:project_path"):
				id = sc.projectMemberID
			default:
				return "", fmt.Errorf("route %s %s: the matrix does not know what :id is here; add it", r.Method, r.Path)
			}
			segs[i] = strconv.FormatInt(id, 10)
		default:
			return "", fmt.Errorf("route %s %s: the matrix has no fixture for %s; add one", r.Method, r.Path, s)
		}
	}
	p := strings.Join(segs, "/")
	if r.Path == "/api/v4/duo/access" {
		p += "?" + url.Values{"feature": {"code_suggestions"}, "project": {sc.project.FullPath}}.Encode()
	}
	if parentChecked[r.Method+" "+r.Path] && r.Method == http.MethodGet {
		id := strconv.FormatInt(sc.group.ID, 10)
		p += "?" + url.Values{"parent_id": {id}, "namespace_id": {id}}.Encode()
	}
	return p, nil
}

// form is valid input for each POST, so that a missing check would let the
// change through (and the "changed nothing" assertion would catch it).
func (f *matrixFixture) form(r handlers.RouteInfo, sc scope) url.Values {
	v := url.Values{}
	switch r.Path {
	case "/users/sign_in":
		v.Set("user[login]", "nobody")
		v.Set("user[password]", "wrong")
	case "/admin/users":
		v.Set("user[name]", "New Person")
		v.Set("user[username]", "newperson")
		v.Set("user[email]", "newperson@example.com")
	case "/admin/users/:username":
		v.Set("user[name]", "Vic Renamed")
		v.Set("user[username]", f.victim.Username)
		v.Set("user[email]", f.victim.Email)
	case "/admin/groups":
		v.Set("group[name]", "Fresh")
		v.Set("group[path]", "fresh")
	case "/groups":
		v.Set("group[name]", "Fresh Sub")
		v.Set("group[path]", "fresh-sub")
	case "/projects":
		v.Set("project[name]", "Fresh Project")
		v.Set("project[path]", "fresh-project")
	case "/groups/:group_path/-/group_members", "/:project_path/-/project_members":
		v.Set("user_id", strconv.FormatInt(f.invitee.ID, 10))
		v.Set("username", f.invitee.Username)
		v.Set("access_level", strconv.Itoa(int(models.Reporter)))
	case "/groups/:group_path/-/group_members/:id", "/:project_path/-/project_members/:id":
		v.Set("access_level", strconv.Itoa(int(models.Maintainer)))
	case "/groups/:group_path/-/edit":
		v.Set("group[name]", "Renamed")
	case "/:project_path/edit":
		v.Set("project[name]", "Renamed")
		v.Set("duo_features_enabled", "false")
	case "/admin/gitlab_duo/assignments", "/groups/:group_path/-/settings/gitlab_duo/assignments":
		v.Set("user_id", strconv.FormatInt(f.victim.ID, 10))
		v.Set("assign", "1")
	case "/admin/gitlab_duo/seat_utilization/bulk", "/groups/:group_path/-/usage_quotas/gitlab_duo/bulk":
		v.Set("bulk_action", "assign")
		v.Set("user_ids", strconv.FormatInt(f.victim.ID, 10))
		v.Set("confirm", "1")
	case "/admin/subscriptions/:name/add_seats":
		v.Set("purchase_id", strconv.FormatInt(f.instancePurchase, 10))
		v.Set("seats", "1")
	case "/admin/subscriptions/:name/quantity":
		v.Set("purchase_id", strconv.FormatInt(f.instancePurchase, 10))
		v.Set("quantity", "6")
	case "/admin/subscriptions/:name/renew":
		v.Set("purchase_id", strconv.FormatInt(f.instancePurchase, 10))
		v.Set("term", "12")
	case "/admin/subscriptions/:name/orders":
		for k, val := range map[string]string{"add_on": "duo_enterprise", "quantity": "1", "term": "12", "confirm_selection": "1", "activate": "1"} {
			v.Set(k, val)
		}
	case "/admin/feature_flags":
		v.Set("name", models.FlagSeatEmailsSM)
		v.Set("enabled", "0")
	case "/api/v4/add_on_purchases/:id/assignments":
		v.Set("usernames[]", f.victim.Username)
	case "/admin/ai/duo_self_hosted", "/admin/ai/duo_self_hosted/:id":
		name := "matrix-new"
		if strings.HasSuffix(r.Path, ":id") {
			name = "matrix"
		}
		for k, val := range map[string]string{"name": name, "platform": "vllm", "model_family": "gpt", "endpoint": "http://127.0.0.1:1", "identifier": "gpt"} {
			v.Set(k, val)
		}
	case "/admin/gitlab_duo/ldap":
		for k, val := range map[string]string{"host": "127.0.0.1", "port": "1", "encryption": "plain", "bind_dn": matrixBindDN,
			"password": "matrix-bind-secret", "user_base": "ou=people,dc=example,dc=org", "user_attribute": "uid",
			"group_base": "ou=groups,dc=example,dc=org"} {
			v.Set(k, val)
		}
	case "/admin/ai/duo_self_hosted/features":
		v.Set("duo_chat", "disabled")
	case "/admin/hooks", "/groups/:group_path/-/hooks":
		v.Set("hook[url]", "https://hooks.example.com/matrix")
		v.Set("hook[token]", "matrix-secret")
	case "/admin/hooks/:id/delete", "/groups/:group_path/-/hooks/:id/delete", "/admin/ai/duo_self_hosted/:id/delete",
		"/groups/:group_path/-/group_members/:id/delete", "/:project_path/-/project_members/:id/delete":
		v.Set("confirm", "1")
	case "/admin/gitlab_duo/seat_utilization/seat_requests/assign", "/groups/:group_path/-/usage_quotas/gitlab_duo/seat_requests/assign":
		v.Set("request_ids", strconv.FormatInt(f.requestOf(sc), 10))
	case "/admin/gitlab_duo/seat_utilization/seat_requests/decline", "/groups/:group_path/-/usage_quotas/gitlab_duo/seat_requests/decline":
		v.Set("request_id", strconv.FormatInt(f.requestOf(sc), 10))
		v.Set("reason", "matrix")
		v.Set("confirm", "1")
	case "/admin/gitlab_duo/seat_utilization/seat_requests/settings", "/groups/:group_path/-/usage_quotas/gitlab_duo/seat_requests/settings":
		v.Set("fill_freed_seats", "1")
	case "/-/profile/gitlab_duo/seat_requests", "/api/v4/user/duo/seat_requests":
		v.Set("add_on_purchase_id", strconv.FormatInt(f.screenPurchase, 10))
		v.Set("note", "matrix")
	case "/admin/gitlab_duo/seat_utilization/reclaim", "/groups/:group_path/-/usage_quotas/gitlab_duo/reclaim":
		for k, val := range map[string]string{"enabled": "1", "idle_days": "60", "notice_days": "7", "save": "1"} {
			v.Set(k, val)
		}
	case "/api/v4/code_suggestions/enabled":
		v.Set("project_path", sc.project.FullPath)
	case "/api/v4/groups/:id", "/api/v4/application/settings":
		v.Set("duo_availability", "never_on")
	case "/admin/gitlab_duo/availability_map/apply":
		v.Set("yaml", "groups:\n  acme: never_on\n")
		v.Set("confirm", "1")
	case "/groups/:group_path/-/settings/gitlab_duo/availability_map/apply":
		v.Set("yaml", "groups:\n  "+sc.group.FullPath+": never_on\n")
		v.Set("confirm", "1")
	case "/groups/:group_path/-/settings/gitlab_duo/enforcement":
		v.Set("duo_availability", "never_on")
		v.Set("reason", "matrix")
		v.Set("confirm", "1")
	default:
		if strings.Contains(r.Path, "duo") {
			v.Set("duo_availability", "never_on")
			v.Set("duo_features_enabled", "false")
			v.Set("confirm", "1") // apply at once, past the cascade preview
		}
	}
	if parentChecked[r.Method+" "+r.Path] {
		// GitLab's parameter names; several spellings so the check does not
		// depend on which one the form uses.
		id := strconv.FormatInt(sc.group.ID, 10)
		for _, k := range []string{"parent_id", "group[parent_id]", "namespace_id", "project[namespace_id]"} {
			v.Set(k, id)
		}
	}
	return v
}

// requestOf is the pending request the seat screens of sc show.
func (f *matrixFixture) requestOf(sc scope) int64 {
	if sc.requestID != 0 {
		return sc.requestID
	}
	return f.screenRequest
}

// snapshot is the state a denied request must leave alone.
func (f *matrixFixture) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	uc, err1 := f.store.CountUsers(ctx)
	gc, err2 := f.store.CountGroups(ctx)
	pc, err3 := f.store.CountProjects(ctx)
	v, err4 := f.store.UserByID(ctx, f.victim.ID)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Every change writes an audit event, so their number catches what the
	// explicit state below does not (settings, Duo, ...).
	evs, err := f.store.RecentAuditEvents(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "users %+v groups %+v projects %d audit events %d victim %s/%s/%s/%v\n", uc, gc, pc, len(evs), v.Name, v.Email, v.State, v.Admin)
	for _, name := range []string{"acme", "other"} {
		sc := f.scopes[name]
		g, err := f.store.GroupByID(ctx, sc.group.ID)
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.store.ProjectByID(ctx, sc.project.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "group %s %s %s, project %s %s\n", g.FullPath, g.Name, g.Plan, p.FullPath, p.Name)
		for _, src := range []models.Source{models.GroupSource(sc.group), models.ProjectSource(sc.project, sc.group)} {
			ms, err := f.store.Members(ctx, src, models.Page{Number: 1, PerPage: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms.Items {
				fmt.Fprintf(&b, "%s %d: %d %d %d\n", src.FullPath, src.ID, m.ID, m.UserID, m.AccessLevel)
			}
		}
	}
	return b.String()
}

type outcome int

const (
	noAuthFailure  outcome = iota // Public: not 401/403, GET not sent to sign in
	pageOK                        // 2xx
	pageOrRedirect                // 2xx or 3xx, not to the sign-in page
	writeAllowed                  // not 401/403/404, not 5xx, not sent to sign in
	toSignIn                      // 302 to /users/sign_in
	forbidden                     // 403
	hidden                        // 404
	unauthorized                  // 401 (the API without a token)
)

func (o outcome) String() string {
	return [...]string{"no auth failure", "2xx", "2xx/3xx", "allowed write", "302 to sign in", "403", "404", "401"}[o]
}

// expect is the rule of handlers/authz.go written out per role.
func expect(r handlers.RouteInfo, d models.Deployment, role, scopeName string) (outcome, error) {
	access := effectiveAccess(r, d)
	read := r.Method == http.MethodGet
	allowed := writeAllowed
	if read {
		allowed = pageOrRedirect
	}
	readOnly := forbidden
	if read {
		readOnly = pageOK
	}
	if access == handlers.Public {
		return noAuthFailure, nil
	}
	if role == "" {
		if isAPIPath(r.Path) {
			return unauthorized, nil
		}
		if read {
			return toSignIn, nil
		}
		return forbidden, nil
	}
	switch access {
	case handlers.SignedIn:
		return allowed, nil
	case handlers.AdminArea:
		switch role {
		case "admin":
			return allowed, nil
		case "support":
			return readOnly, nil
		}
		if isAPIPath(r.Path) {
			// GitLab's API answers 403 to non-admins on instance settings:
			// the endpoint is public knowledge, so there is nothing to hide.
			return forbidden, nil
		}
		return hidden, nil
	case handlers.GroupOwner, handlers.ProjectOwner:
		switch {
		case role == "admin":
			return allowed, nil
		case role == "support":
			return readOnly, nil
		case role == "owner" && scopeName == "acme" && !enforcerOnly[r.Path]:
			return allowed, nil
		}
		return hidden, nil
	}
	return 0, fmt.Errorf("route %s %s: access %d has no expectation in the matrix", r.Method, r.Path, r.Access)
}

// resourceStrings are what the fixture holds that a denied viewer must not
// receive: every group, project, user, subscription and model, less the
// viewer's own name and email (the page frame shows them) and, for the
// owner, the group they own (the frame may link it).
func (f *matrixFixture) resourceStrings(role string) []string {
	var out []string
	for _, u := range append([]*models.User{f.victim, f.invitee}, f.users["admin"], f.users["support"], f.users["owner"], f.users["dev"]) {
		if u.Username == role {
			continue
		}
		out = append(out, u.Name, u.Email)
	}
	for name, sc := range f.scopes {
		if role == "owner" && name == "acme" {
			continue
		}
		out = append(out, sc.group.Name, sc.project.Name, sc.project.FullPath)
	}
	if f.subscription != "" {
		out = append(out, f.subscription, "127.0.0.1:1", matrixBindDN)
	}
	return out
}

// checkNothingLeaked: a denied response carries no byte of the resource.
// A trip to the sign-in page has an empty body; an error page or JSON error
// names nothing of the fixture, and no denial is ever a CSV.
func checkNothingLeaked(t *testing.T, res *response, want outcome, secrets []string) {
	t.Helper()
	if want == toSignIn && strings.TrimSpace(res.Body) != "" {
		t.Errorf("the redirect to sign in carries a body of %d bytes:\n%s", len(res.Body), snippet(res.Body))
	}
	if ct := res.Header.Get("Content-Type"); strings.Contains(ct, "csv") || strings.Contains(ct, "ndjson") {
		t.Errorf("a denied request answered with %s", ct)
	}
	for _, s := range secrets {
		if strings.Contains(res.Body, s) {
			t.Errorf("a denied response contains %q:\n%s", s, snippet(res.Body))
		}
	}
}

// checkHandlerDidNotRun: the route's rule stopped the request before its
// handler (the server counts the requests it lets through).
// Other requests of the case (the CSRF token's page) may pass.
func checkHandlerDidNotRun(t *testing.T, res *response, authorized []string) {
	t.Helper()
	denied := res.Request.Method + " " + res.Request.URL.RequestURI()
	for _, r := range authorized {
		if r == denied {
			t.Errorf("a denied request reached its handler: %s", denied)
		}
	}
}

func checkOutcome(t *testing.T, res *response, want outcome) {
	t.Helper()
	st := res.StatusCode
	loc := res.Header.Get("Location")
	// The guard sends visitors to sign in with a 302; a 303 there is a
	// handler's own redirect (sign-out lands on the sign-in page).
	signIn := st == http.StatusFound && strings.HasPrefix(loc, "/users/sign_in")
	ok := false
	switch want {
	case noAuthFailure:
		ok = st != http.StatusUnauthorized && st != http.StatusForbidden && st < 500 && !signIn
	case pageOK:
		ok = st >= 200 && st < 300
	case pageOrRedirect:
		ok = st >= 200 && st < 400 && !signIn
	case writeAllowed:
		ok = st != http.StatusUnauthorized && st != http.StatusForbidden && st != http.StatusNotFound && st < 500 && !signIn
	case toSignIn:
		ok = st == http.StatusFound && loc == "/users/sign_in"
	case forbidden:
		ok = st == http.StatusForbidden
	case hidden:
		ok = st == http.StatusNotFound
	case unauthorized:
		ok = st == http.StatusUnauthorized
	}
	if !ok {
		t.Errorf("status %d (Location %q), want %s\n%s", st, loc, want, snippet(res.Body))
	}
}

// scopesFor: scoped routes run against acme for everyone and against other
// for its non-owner "owner"; the rest need no resource.
func scopesFor(r handlers.RouteInfo, role string) []string {
	if isScoped(r) && role == "owner" {
		return []string{"acme", "other"}
	}
	return []string{"acme"}
}

func caseName(r handlers.RouteInfo, d models.Deployment, role, scopeName string) string {
	n := r.Method + " " + r.Path + " on " + string(d) + " as " + roleName(role)
	if scopeName == "other" {
		n += " on other"
	}
	return n
}

// send makes the request of one matrix case: web routes with the client's
// session (and a CSRF token for writes), /api/v4 with the role's token.
func (f *matrixFixture) send(t *testing.T, c *client, role string, r handlers.RouteInfo, sc scope) *response {
	t.Helper()
	path, err := f.concretePath(r, sc)
	if err != nil {
		t.Fatal(err)
	}
	if isAPIPath(r.Path) {
		var body io.Reader
		if r.Method != http.MethodGet {
			body = strings.NewReader(f.form(r, sc).Encode())
		}
		req, _ := http.NewRequest(r.Method, f.http.URL+path, body)
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if role != "" {
			req.Header.Set("PRIVATE-TOKEN", f.tokens[role])
		}
		return c.do(req)
	}
	switch r.Method {
	case http.MethodGet:
		return c.get(path)
	case http.MethodHead:
		req, _ := http.NewRequest(http.MethodHead, f.http.URL+path, nil)
		return c.do(req)
	case http.MethodPost:
		return c.post(path, f.form(r, sc))
	}
	t.Fatalf("the matrix cannot send %s to a web route yet; teach send how", r.Method)
	return nil
}

// withT is f reporting to t, for use inside a subtest.
func (f *matrixFixture) withT(t *testing.T) *matrixFixture {
	a := *f.app
	a.t = t
	g := *f
	g.app = &a
	return &g
}

func TestAuthzMatrix(t *testing.T) {
	t.Parallel()
	// Reads share one fixture per deployment, and so do the denied writes
	// of a route (both must change nothing, which is checked); each allowed
	// write gets a fresh fixture, as it may block, remove or rename.
	reads := map[models.Deployment]*matrixFixture{}
	clients := map[models.Deployment]map[string]*client{}
	for _, d := range []models.Deployment{models.SelfManaged, models.GitLabCom} {
		reads[d] = newMatrixFixtureOn(t, d)
		clients[d] = map[string]*client{}
		for _, role := range matrixRoles {
			clients[d][role] = reads[d].as(role)
		}
	}
	routes := reads[models.SelfManaged].server.Routes()
	if len(routes) == 0 {
		t.Fatal("Routes() is empty")
	}
	for _, r := range routes {
		for _, d := range deploymentsFor(r) {
			matrixRoute(t, r, d, reads[d], clients[d])
		}
	}
}

// matrixRoute runs one route's cases on deployment d.
func matrixRoute(t *testing.T, r handlers.RouteInfo, d models.Deployment, reads *matrixFixture, clients map[string]*client) {
	{
		var deniedWrites *matrixFixture
		for _, role := range matrixRoles {
			for _, scName := range scopesFor(r, role) {
				want, err := expect(r, d, role, scName)
				if err != nil {
					t.Error(err)
					continue
				}
				denied := want == forbidden || want == hidden || want == unauthorized || want == toSignIn
				switch {
				case r.Method == http.MethodGet:
					t.Run(caseName(r, d, role, scName), func(t *testing.T) {
						c := *clients[role]
						c.t = t
						mark := reads.authorized.mark()
						res := reads.send(t, &c, role, r, reads.scopes[scName])
						checkOutcome(t, res, want)
						if denied {
							checkNothingLeaked(t, res, want, reads.resourceStrings(role))
							checkHandlerDidNotRun(t, res, reads.authorized.since(mark))
						}
					})
				case denied:
					if deniedWrites == nil {
						deniedWrites = newMatrixFixtureOn(t, d)
					}
					t.Run(caseName(r, d, role, scName), func(t *testing.T) {
						f := deniedWrites.withT(t)
						c := f.as(role)
						before := f.snapshot(t)
						mark := f.authorized.mark()
						res := f.send(t, c, role, r, f.scopes[scName])
						checkOutcome(t, res, want)
						checkNothingLeaked(t, res, want, f.resourceStrings(role))
						checkHandlerDidNotRun(t, res, f.authorized.since(mark))
						if after := f.snapshot(t); after != before {
							t.Errorf("a denied request changed data:\nbefore:\n%s\nafter:\n%s", before, after)
						}
					})
				default:
					t.Run(caseName(r, d, role, scName), func(t *testing.T) {
						t.Parallel()
						f := newMatrixFixtureOn(t, d)
						checkOutcome(t, f.send(t, f.as(role), role, r, f.scopes[scName]), want)
					})
				}
			}
		}
	}
}

// TestAuthzEveryRouteHasARule: a route registered on echo without s.handle
// (so with no access rule) would be missing from Routes() and so from the
// matrix; this fails the build for it.
func TestAuthzEveryRouteHasARule(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.SQLite(t), models.SelfManaged)
	declared := map[string]handlers.Access{}
	scoped := 0
	for _, r := range a.server.Routes() {
		key := r.Method + " " + r.Path
		if _, dup := declared[key]; dup {
			t.Errorf("route %s listed twice", key)
		}
		declared[key] = r.Access
		if r.Access < handlers.Public || r.Access > handlers.ProjectOwner {
			t.Errorf("route %s has unknown access %d", key, r.Access)
		}
		if strings.HasPrefix(r.Path, "/groups/:group_path") || strings.HasPrefix(r.Path, "/:project_path") {
			scoped++
		}
	}
	// The catch-alls only dispatch to the scoped routes, which Routes() lists.
	skip := map[string]bool{"/static/*": true, "/groups/*": true, "/*": true}
	plain := 0
	for _, r := range a.server.Echo().Routes() {
		if skip[r.Path] || r.Method == echo.RouteNotFound {
			continue
		}
		plain++
		if _, ok := declared[r.Method+" "+r.Path]; !ok {
			t.Errorf("echo route %s %s has no access rule (register it with s.handle)", r.Method, r.Path)
		}
	}
	if plain+scoped != len(declared) {
		t.Errorf("echo has %d plain routes + %d scoped, Routes() lists %d", plain, scoped, len(declared))
	}
	if scoped == 0 {
		t.Error("no group or project routes listed")
	}
}
