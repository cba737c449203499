package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The audit coverage test sends every state-changing route (every
// non-GET in Server.Routes(), web and API) a valid request as an admin
// and checks what it wrote to the audit log: exactly the table's actions
// (one event, or a documented set), each well formed. A route missing from
// the table fails the build, so a new route cannot skip its audit event.
// CLI commands and jobs have theirs in cmd/duoadmin/audit_coverage_test.go.

// auditCase is what one route must write when it succeeds.
type auditCase struct {
	// deployment the route works on (its screen is GitLab.com-only, ...).
	deployment models.Deployment
	setup      func(t *testing.T, f *coverageFixture)
	form       func(f *coverageFixture) url.Values
	json       func(f *coverageFixture) string // API body
	// want is the actions written, one per event (sorted when compared).
	want []string
	// none: the route changes nothing the audit log records, and why.
	none string
	// as is who sends the request: the admin unless set.
	as string
}

func one(action string) []string { return []string{action} }

var auditCoverage = map[string]auditCase{
	"POST /users/sign_in":  {none: "signing in changes no data but the session (and last activity, which is not audited)"},
	"POST /users/sign_out": {none: "signing out ends the session only"},

	"POST /admin/users": {want: one("user_created"), form: func(*coverageFixture) url.Values {
		return url.Values{"user[name]": {"New Person"}, "user[username]": {"newperson"}, "user[email]": {"newperson@example.com"}}
	}},
	"POST /admin/users/:username": {want: one("user_updated"), form: func(f *coverageFixture) url.Values {
		return url.Values{"user[name]": {"Vic Renamed"}, "user[username]": {"victim"}, "user[email]": {"victim@example.com"}}
	}},
	// The victim has no seat; blocking one with a seat also writes
	// seat_unassigned (reason user_blocked), which the seat tests check.
	"POST /admin/users/:username/:state_action": {want: one("user_state_changed")},
	// The victim's sessions: one here, signed in by the setup.
	"POST /admin/users/:username/sessions/revoke": {want: one("user_sessions_revoked"), setup: withVictimSignedIn},
	// The admin revokes another of their own sessions.
	"POST /-/user_settings/active_sessions/revoke": {want: one("user_session_revoked"), setup: withOtherAdminSession,
		form: func(f *coverageFixture) url.Values { return url.Values{"id": {id(f.otherSession)}} }},
	"POST /admin/groups": {want: one("group_created"), form: func(*coverageFixture) url.Values {
		return url.Values{"group[name]": {"Fresh"}, "group[path]": {"fresh"}}
	}},
	"POST /groups": {want: one("group_created"), form: func(f *coverageFixture) url.Values {
		return withParent(f, url.Values{"group[name]": {"Fresh Sub"}, "group[path]": {"fresh-sub"}})
	}},
	"POST /projects": {want: one("project_created"), form: func(f *coverageFixture) url.Values {
		return withParent(f, url.Values{"project[name]": {"Fresh Project"}, "project[path]": {"fresh-project"}})
	}},

	"POST /admin/gitlab_duo/assignments": {want: one("seat_assigned"), form: func(f *coverageFixture) url.Values {
		return url.Values{"user_id": {id(f.victim.ID)}, "assign": {"1"}}
	}},
	// A bulk assignment writes one event for the action (with the count);
	// each user's seat is a row of the seat ledger.
	"POST /admin/gitlab_duo/seat_utilization/bulk": {want: one("seats_assigned"), form: func(f *coverageFixture) url.Values {
		return url.Values{"bulk_action": {"assign"}, "user_ids": {id(f.victim.ID), id(f.users["dev"].ID)}, "confirm": {"1"}}
	}},
	"POST /admin/gitlab_duo/configuration": {want: one("duo_availability_changed"), form: duoNeverOn},

	"POST /admin/subscription/sync": {want: one("subscription_synchronized")},
	// A trial is a purchase, the trial itself and the starter's seat.
	"POST /admin/subscription/trials": {want: []string{"add_on_purchase_created", "duo_trial_started", "seat_assigned"},
		setup: withoutInstancePurchase,
		form:  func(*coverageFixture) url.Values { return url.Values{"add_on": {"duo_enterprise"}} }},
	"POST /admin/subscriptions": {want: one("subscription_created"), setup: withoutSubscription, form: func(*coverageFixture) url.Values {
		return url.Values{"name": {"A-S00000002"}, "plan": {"ultimate"}, "seats": {"10"},
			"starts_on": {models.Today().String()}, "ends_on": {models.Today().AddDays(365).String()}}
	}},
	"POST /admin/subscriptions/:name/orders": {want: one("add_on_purchase_created"), setup: withoutInstancePurchase,
		form: func(*coverageFixture) url.Values {
			return url.Values{"add_on": {"duo_enterprise"}, "quantity": {"1"}, "term": {"12"}, "confirm_selection": {"1"}, "activate": {"1"}}
		}},
	"POST /admin/subscriptions/:name/add_seats": {want: one("add_on_purchase_updated"), form: func(f *coverageFixture) url.Values {
		return url.Values{"purchase_id": {id(f.instancePurchase)}, "seats": {"1"}}
	}},
	"POST /admin/subscriptions/:name/renew": {want: one("add_on_purchase_updated"), form: func(f *coverageFixture) url.Values {
		return url.Values{"purchase_id": {id(f.instancePurchase)}, "term": {"12"}}
	}},
	// Lowering the quantity below the seats taken would also write their
	// seat_unassigned (reason seat_overage): none are taken here.
	"POST /admin/subscriptions/:name/quantity": {want: one("add_on_purchase_updated"), form: func(f *coverageFixture) url.Values {
		return url.Values{"purchase_id": {id(f.instancePurchase)}, "quantity": {"3"}, "confirm": {"1"}}
	}},

	"POST /admin/ai/duo_self_hosted": {want: one("self_hosted_model_created"), setup: withSelfHosted, form: func(*coverageFixture) url.Values {
		return url.Values{"name": {"Fresh model"}, "platform": {"vllm"}, "model_family": {"mistral"},
			"endpoint": {"https://llm.example.com/v1"}, "identifier": {"mistral-7b"}}
	}},
	"POST /admin/ai/duo_self_hosted/:id": {want: one("self_hosted_model_updated"), setup: withSelfHosted, form: func(*coverageFixture) url.Values {
		return url.Values{"name": {"Renamed model"}, "platform": {"vllm"}, "model_family": {"mistral"},
			"endpoint": {"https://llm.example.com/v1"}, "identifier": {"mistral-7b"}}
	}},
	"POST /admin/ai/duo_self_hosted/:id/delete": {want: one("self_hosted_model_deleted"), setup: withSelfHosted, form: confirmed},
	"POST /admin/ai/duo_self_hosted/:id/test_connection": {setup: withSelfHosted,
		none: "a connection test only reads the model's settings and calls its endpoint"},
	"POST /admin/ai/duo_self_hosted/features": {want: one("ai_feature_settings_changed"), setup: withSelfHosted,
		form: func(*coverageFixture) url.Values { return url.Values{"duo_chat": {"disabled"}} }},
	"POST /admin/gitlab_duo/ldap": {want: one("ldap_settings_updated"), form: func(*coverageFixture) url.Values {
		return url.Values{"host": {"ldap.example.com"}, "port": {"389"}, "encryption": {"start_tls"},
			"bind_dn": {"cn=gitlab,dc=example,dc=com"}, "password": {"bind-secret"}, "user_base": {"ou=people,dc=example,dc=com"},
			"user_attribute": {"uid"}, "group_base": {"ou=groups,dc=example,dc=com"}}
	}},
	"POST /admin/gitlab_duo/ldap/test_connection": {none: "a connection test only reads the saved settings and binds to the server"},
	"POST /admin/hooks":                           {want: one("web_hook_created"), form: hookForm},
	"POST /admin/hooks/:id/delete": {want: one("web_hook_destroyed"), setup: withHook(false),
		form: func(*coverageFixture) url.Values { return url.Values{"confirm": {"1"}} }},
	"POST /admin/hooks/:id/test":       {setup: withHook(false), none: "a test sends a sample event and logs the attempt; no setting changes"},
	"POST /groups/:group_path/-/hooks": {deployment: models.GitLabCom, want: one("web_hook_created"), form: hookForm},
	"POST /groups/:group_path/-/hooks/:id/delete": {deployment: models.GitLabCom, want: one("web_hook_destroyed"), setup: withHook(true),
		form: func(*coverageFixture) url.Values { return url.Values{"confirm": {"1"}} }},
	"POST /groups/:group_path/-/hooks/:id/test": {deployment: models.GitLabCom, setup: withHook(true),
		none: "a test sends a sample event and logs the attempt; no setting changes"},
	"POST /admin/feature_flags": {want: one("feature_flag_changed"), form: func(*coverageFixture) url.Values {
		return url.Values{"name": {models.FlagSeatEmailsSM}, "enabled": {"0"}}
	}},

	"POST /groups/:group_path/-/group_members": {want: one("member_added"), form: func(f *coverageFixture) url.Values {
		return url.Values{"username": {f.invitee.Username}, "access_level": {strconv.Itoa(int(models.Reporter))}}
	}},
	"POST /groups/:group_path/-/group_members/:id": {want: one("member_access_changed"), form: func(*coverageFixture) url.Values {
		return url.Values{"access_level": {strconv.Itoa(int(models.Maintainer))}}
	}},
	// The victim holds no seat: one who does loses it too (seat_unassigned,
	// reason membership_removed).
	"POST /groups/:group_path/-/group_members/:id/delete": {want: one("member_removed"), form: confirmed},
	"POST /groups/:group_path/-/edit":                     {want: one("duo_availability_changed"), form: duoNeverOn},
	"POST /groups/:group_path/-/settings/gitlab_duo/assignments": {deployment: models.GitLabCom, want: one("seat_assigned"),
		form: func(f *coverageFixture) url.Values { return url.Values{"user_id": {id(f.victim.ID)}, "assign": {"1"}} }},
	"POST /groups/:group_path/-/usage_quotas/gitlab_duo/bulk": {deployment: models.GitLabCom, want: one("seats_assigned"),
		form: func(f *coverageFixture) url.Values {
			return url.Values{"bulk_action": {"assign"}, "user_ids": {id(f.victim.ID)}, "confirm": {"1"}}
		}},
	// The starter takes a seat, so must be a member: the group's owner.
	"POST /groups/:group_path/-/billings/trials": {deployment: models.GitLabCom, as: "owner",
		want: []string{"add_on_purchase_created", "duo_trial_started", "seat_assigned"}, setup: withoutGroupPurchase, form: func(*coverageFixture) url.Values { return url.Values{"add_on": {"duo_enterprise"}} }},
	"POST /groups/:group_path/-/settings/gitlab_duo/configuration": {deployment: models.GitLabCom, want: one("duo_availability_changed"),
		form: duoNeverOn},
	"POST /groups/:group_path/-/settings/gitlab_duo/enforcement": {want: one("duo_availability_enforced"),
		form: func(*coverageFixture) url.Values {
			return url.Values{"duo_availability": {"never_on"}, "reason": {"Audit"}, "confirm": {"1"}}
		}},
	// A whole file is one change.
	"POST /admin/gitlab_duo/availability_map/apply": {want: one("duo_availability_applied"), form: duoYAML},
	"POST /groups/:group_path/-/settings/gitlab_duo/availability_map/apply": {deployment: models.GitLabCom,
		want: one("duo_availability_applied"), form: duoYAML},

	"POST /:project_path/-/project_members": {want: one("member_added"), form: func(f *coverageFixture) url.Values {
		return url.Values{"username": {f.invitee.Username}, "access_level": {strconv.Itoa(int(models.Reporter))}}
	}},
	"POST /:project_path/-/project_members/:id": {want: one("member_access_changed"), form: func(*coverageFixture) url.Values {
		return url.Values{"access_level": {strconv.Itoa(int(models.Maintainer))}}
	}},
	"POST /:project_path/-/project_members/:id/delete": {want: one("member_removed"), form: confirmed},
	"POST /:project_path/edit": {want: one("duo_availability_changed"), form: func(*coverageFixture) url.Values {
		return url.Values{"duo_features_enabled": {"false"}}
	}},

	"PUT /api/v4/application/duo_settings": {want: one("duo_availability_changed"),
		json: func(*coverageFixture) string { return `{"duo_availability":"never_on"}` }},
	"PUT /api/v4/groups/:id/duo_settings": {want: one("duo_availability_changed"),
		json: func(*coverageFixture) string { return `{"duo_availability":"never_on"}` }},
	"PUT /api/v4/projects/:id/duo_settings": {want: one("duo_availability_changed"),
		json: func(*coverageFixture) string { return `{"duo_features_enabled":false}` }},
	"POST /api/v4/add_on_purchases/:id/assignments": {deployment: models.GitLabCom, want: one("seats_assigned"),
		json: func(f *coverageFixture) string { return `{"usernames":["victim"]}` }},
	"DELETE /api/v4/add_on_purchases/:id/assignments": {deployment: models.GitLabCom, want: one("seats_unassigned"),
		setup: withVictimSeat, json: func(f *coverageFixture) string { return `{"usernames":["victim"]}` }},
	"PUT /api/v4/application/settings": {want: one("duo_availability_changed"),
		json: func(*coverageFixture) string { return `{"duo_availability":"never_on"}` }},
	"PUT /api/v4/groups/:id": {want: one("duo_availability_changed"),
		json: func(*coverageFixture) string { return `{"duo_availability":"never_on"}` }},
	// GraphQL's mutations write their screens' events (the seat ones are
	// in api_graphql_seats_test.go's holders); projectSettingsUpdate here.
	"POST /api/graphql": {want: one("duo_availability_changed"), json: func(*coverageFixture) string {
		return `{"query":"mutation { projectSettingsUpdate(input: {fullPath: \"acme/backend\", duoFeaturesEnabled: false}) { errors } }"}`
	}},
	"POST /api/v4/add_on_purchases/:id/assignment_rules": {deployment: models.GitLabCom, want: one("duo_assignment_rule_created"),
		json: func(*coverageFixture) string { return nobodyRuleJSON }},
	"PUT /api/v4/add_on_purchases/:id/assignment_rules/:rule_id": {deployment: models.GitLabCom, want: one("duo_assignment_rule_updated"),
		setup: withRule, json: func(*coverageFixture) string {
			return strings.Replace(nobodyRuleJSON, `"assign"`, `"assign_remove"`, 1)
		}},
	"DELETE /api/v4/add_on_purchases/:id/assignment_rules/:rule_id": {deployment: models.GitLabCom,
		want: one("duo_assignment_rule_deleted"), setup: withRule},
	// The three members of acme gain a seat (one bulk event), and the run.
	"POST /api/v4/add_on_purchases/:id/assignment_rules/sync": {deployment: models.GitLabCom, setup: withUnsyncedRule,
		want: []string{"seat_sync_applied", "seats_assigned"}},
	"POST /admin/gitlab_duo/seat_utilization/reclaim": {want: one("seat_reclaim_policy_updated"), form: reclaimPolicyForm},
	"POST /groups/:group_path/-/usage_quotas/gitlab_duo/reclaim": {deployment: models.GitLabCom,
		want: one("seat_reclaim_policy_updated"), form: reclaimPolicyForm},
	"POST /admin/gitlab_duo/seat_utilization/seat_requests/assign": {want: one("seat_assigned"), setup: withVictimRequest,
		form: func(f *coverageFixture) url.Values { return url.Values{"request_ids": {id(f.request)}} }},
	"POST /groups/:group_path/-/usage_quotas/gitlab_duo/seat_requests/assign": {deployment: models.GitLabCom,
		want: one("seat_assigned"), setup: withVictimRequest,
		form: func(f *coverageFixture) url.Values { return url.Values{"request_ids": {id(f.request)}} }},
	"POST /admin/gitlab_duo/seat_utilization/seat_requests/decline": {want: one("seat_request_declined"), setup: withVictimRequest,
		form: func(f *coverageFixture) url.Values {
			return url.Values{"request_id": {id(f.request)}, "reason": {"no budget"}}
		}},
	"POST /groups/:group_path/-/usage_quotas/gitlab_duo/seat_requests/decline": {deployment: models.GitLabCom,
		want: one("seat_request_declined"), setup: withVictimRequest,
		form: func(f *coverageFixture) url.Values {
			return url.Values{"request_id": {id(f.request)}, "reason": {"no budget"}}
		}},
	"POST /admin/gitlab_duo/seat_utilization/seat_requests/settings": {want: one("seat_request_settings_updated"),
		form: func(*coverageFixture) url.Values { return url.Values{"fill_freed_seats": {"1"}} }},
	"POST /groups/:group_path/-/usage_quotas/gitlab_duo/seat_requests/settings": {deployment: models.GitLabCom,
		want: one("seat_request_settings_updated"),
		form: func(*coverageFixture) url.Values { return url.Values{"fill_freed_seats": {"1"}} }},
	"POST /-/profile/gitlab_duo/seat_requests": {want: one("seat_requested"),
		form: func(f *coverageFixture) url.Values { return url.Values{"add_on_purchase_id": {id(f.instancePurchase)}} }},
	"POST /api/v4/user/duo/seat_requests": {want: one("seat_requested"),
		json: func(f *coverageFixture) string { return `{"add_on_purchase_id":` + id(f.instancePurchase) + `}` }},
	"POST /api/v4/add_on_purchases/:id/seat_requests/:request_id/approve": {deployment: models.GitLabCom,
		want: one("seat_assigned"), setup: withVictimRequest},
	"POST /api/v4/add_on_purchases/:id/seat_requests/:request_id/decline": {deployment: models.GitLabCom,
		want: one("seat_request_declined"), setup: withVictimRequest,
		json: func(*coverageFixture) string { return `{"reason":"no budget"}` }},
	"POST /api/v4/code_suggestions/enabled": {none: "asks whether a project has GitLab Duo on; changes nothing",
		json: func(*coverageFixture) string { return `{"project_path":"acme/backend"}` }},
	"POST /api/v4/duo/usage_events": {none: "usage is telemetry: it moves last-activity dates, which are not audited",
		json: func(f *coverageFixture) string {
			return `{"events":[{"username":"dev","feature":"duo_chat","timestamp":"` + models.Today().String() + `T10:00:00Z"}]}`
		}},
}

// ruleCoverage: the assignment rule screens, at both of their homes.
func ruleCoverage() map[string]auditCase {
	out := map[string]auditCase{}
	homes := map[string]models.Deployment{"/admin/gitlab_duo/assignment_rules": models.SelfManaged,
		"/groups/:group_path/-/settings/gitlab_duo/assignment_rules": models.GitLabCom}
	for base, d := range homes {
		for suffix, tc := range map[string]auditCase{
			"/preview":          {none: "a preview writes nothing: its transaction is rolled back", form: nobodyRule},
			"":                  {want: one("duo_assignment_rule_created"), form: nobodyRule},
			"/:id/preview":      {none: "a preview writes nothing: its transaction is rolled back", setup: withRule, form: nobodyRule},
			"/:id":              {want: one("duo_assignment_rule_updated"), setup: withRule, form: removingNobodyRule},
			"/:id/delete":       {want: one("duo_assignment_rule_deleted"), setup: withRule},
			"/sync":             {want: []string{"seat_sync_applied", "seats_assigned"}, setup: withUnsyncedRule},
			"/guard":            {want: one("seat_removal_guard_changed"), form: func(*coverageFixture) url.Values { return url.Values{"max_percent": {"50"}, "max_seats": {"9"}} }},
			"/runs/:id/approve": {want: one("seat_sync_approved"), setup: withHeldRun},
			"/runs/:id/discard": {want: one("seat_sync_discarded"), setup: withHeldRun},
		} {
			tc.deployment = d
			out["POST "+base+suffix] = tc
		}
	}
	return out
}

// nobodyRule matches no one (acme's only Owner is excluded): creating it
// writes the rule's event and no seat.
const nobodyRuleJSON = `{"source_kind":"group","source":"acme","min_access_level":"owner","mode":"assign","excluded_usernames":["owner"]}`

func nobodyRule(*coverageFixture) url.Values {
	return url.Values{"source_kind": {"group"}, "source": {"acme"}, "min_access_level": {"owner"}, "mode": {"assign"}, "excluded": {"owner"}}
}

func removingNobodyRule(f *coverageFixture) url.Values {
	v := nobodyRule(f)
	v.Set("mode", "assign_remove")
	return v
}

func (f *coverageFixture) rulePurchase() int64 {
	if f.groupPurchase != 0 {
		return f.groupPurchase
	}
	return f.instancePurchase
}

func withRule(t *testing.T, f *coverageFixture) {
	t.Helper()
	res, err := f.store.ChangeRule(context.Background(), models.ActorFor(f.users["admin"]), f.rulePurchase(),
		models.RuleChange{Op: models.RuleCreate, Input: models.RuleInput{SourceKind: "group", Source: "acme", MinAccessLevel: "owner",
			Mode: "assign", Excluded: "owner"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	f.rule = res.Rule.ID
}

// withUnsyncedRule: a rule on acme's Developers and up (owner, victim, dev)
// written behind the sync's back, so the sync has seats to assign.
func withUnsyncedRule(t *testing.T, f *coverageFixture) {
	f.exec(t, `INSERT INTO duo_assignment_rules (add_on_purchase_id, source_kind, source_group_id, source_value, min_access_level, mode,
		ldap_member_count, created_at, updated_at) VALUES ($1, 'group', $2, '', 30, 'assign', 0, $3, $3)`, f.rulePurchase(), f.acme.ID, time.Now().UTC())
}

func withHeldRun(t *testing.T, f *coverageFixture) {
	t.Helper()
	f.exec(t, `INSERT INTO seat_sync_runs (add_on_purchase_id, kind, trigger, status, hold_reason, diff, created_at, expires_at)
		VALUES ($1, 'rules', 'scheduled', 'held', 'test', '{}', $2, $3)`, f.rulePurchase(), time.Now().UTC(), time.Now().UTC().Add(time.Hour))
	db, _ := f.store.SQLDB()
	if err := db.QueryRow(`SELECT max(id) FROM seat_sync_runs`).Scan(&f.heldRun); err != nil {
		t.Fatal(err)
	}
}

func (tc auditCase) sender() string {
	if tc.as == "" {
		return "admin"
	}
	return tc.as
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func duoYAML(f *coverageFixture) url.Values {
	return url.Values{"yaml": {"groups:\n  " + f.acme.FullPath + ": never_on\n"}, "confirm": {"1"}}
}

func duoNeverOn(*coverageFixture) url.Values {
	return url.Values{"duo_availability": {"never_on"}, "confirm": {"1"}}
}

func withParent(f *coverageFixture, v url.Values) url.Values {
	pid := id(f.acme.ID)
	for _, k := range []string{"parent_id", "group[parent_id]", "namespace_id", "project[namespace_id]"} {
		v.Set(k, pid)
	}
	return v
}

// coverageFixture: acme (Ultimate; owner its Owner, victim a developer)
// with project acme/backend (dev a developer), invitee a member of
// nothing. Self-managed: an Ultimate instance with subscription
// A-S00000001 and its Duo Pro purchase; GitLab.com: acme's Duo Pro
// purchase. An admin token for the API.
type coverageFixture struct {
	*app
	acme             *models.Group
	backend          *models.Project
	victim, invitee  *models.User
	victimMember     int64
	devMember        int64
	subscription     string
	instancePurchase int64
	groupPurchase    int64
	model            int64 // a self-hosted model, after withSelfHosted
	hook             int64 // a webhook, after withHook
	otherSession     int64 // another session of the admin's, after withOtherAdminSession
	rule, heldRun    int64 // an assignment rule and a held sync run, after withRule / withHeldRun
	request          int64 // victim's pending seat request, after withVictimRequest
	token            string
}

func newCoverageFixture(t *testing.T, d models.Deployment) *coverageFixture {
	t.Helper()
	a := newApp(t, storetest.SQLite(t), d)
	ctx := context.Background()
	actor := models.ActorFor(a.users["admin"])
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f := &coverageFixture{app: a}
	f.victim = a.mustUser(models.UserInput{Username: "victim", Name: "Vic Tim", Email: "victim@example.com", Password: testPassword})
	f.invitee = a.mustUser(models.UserInput{Username: "invitee", Name: "Ivy Invitee", Email: "invitee@example.com", Password: testPassword})
	var err error
	f.acme, err = a.store.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "acme", Name: "Acme Inc", Plan: models.PlanUltimate})
	must(err)
	f.backend, err = a.store.CreateProject(ctx, actor, f.acme, models.ProjectInput{Path: "backend", Name: "Backend"})
	must(err)
	_, err = a.store.AddMember(ctx, actor, models.GroupSource(f.acme), a.users["owner"], models.Owner)
	must(err)
	vm, err := a.store.AddMember(ctx, actor, models.GroupSource(f.acme), f.victim, models.Developer)
	must(err)
	f.victimMember = vm.ID
	dm, err := a.store.AddMember(ctx, actor, models.ProjectSource(f.backend, f.acme), a.users["dev"], models.Developer)
	must(err)
	f.devMember = dm.ID
	if d == models.GitLabCom {
		p, err := a.store.CreatePurchase(ctx, actor, d, models.PurchaseInput{AddOn: models.AddOnDuoPro, NamespaceID: &f.acme.ID,
			Quantity: 5, ExpiresOn: models.Today().AddDays(30), PurchaseXID: "A-S-acme"})
		must(err)
		f.groupPurchase = p.ID
	} else {
		must(a.store.SetInstancePlan(ctx, actor, models.PlanUltimate))
		f.subscription = "A-S00000001"
		_, err := a.store.CreateSubscription(ctx, actor, d, models.SubscriptionInput{Name: f.subscription, Plan: models.PlanUltimate,
			Seats: 50, StartsOn: models.Today().AddDays(-1), EndsOn: models.Today().AddDays(365)})
		must(err)
		p, err := a.store.CreatePurchase(ctx, actor, d, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 5,
			ExpiresOn: models.Today().AddDays(30), PurchaseXID: f.subscription})
		must(err)
		f.instancePurchase = p.ID
	}
	tok, err := a.store.CreatePersonalAccessToken(ctx, actor, a.users["admin"], "coverage", nil)
	must(err)
	f.token = tok
	return f
}

func (f *coverageFixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	db, _ := f.store.SQLDB()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

// Setups. They run before the count of events starts.

func withoutInstancePurchase(t *testing.T, f *coverageFixture) {
	f.exec(t, "DELETE FROM add_on_purchases WHERE id = $1", f.instancePurchase)
}

func withoutGroupPurchase(t *testing.T, f *coverageFixture) {
	f.exec(t, "DELETE FROM add_on_purchases WHERE id = $1", f.groupPurchase)
}

func withoutSubscription(t *testing.T, f *coverageFixture) {
	f.exec(t, "DELETE FROM subscriptions")
}

func withSelfHosted(t *testing.T, f *coverageFixture) {
	t.Helper()
	ctx := context.Background()
	actor := models.ActorFor(f.users["admin"])
	if _, err := f.store.CreatePurchase(ctx, actor, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise, Quantity: 5,
		ExpiresOn: models.Today().AddDays(30), PurchaseXID: f.subscription}); err != nil {
		t.Fatal(err)
	}
	m, err := f.store.CreateSelfHostedModel(ctx, actor, models.SelfHostedModelInput{Name: "Mistral", Platform: models.PlatformVLLM,
		ModelFamily: models.FamilyMistral, Endpoint: "http://127.0.0.1:1/v1", Identifier: "mistral-7b"})
	if err != nil {
		t.Fatal(err)
	}
	f.model = m.ID
}

func hookForm(*coverageFixture) url.Values {
	return url.Values{"hook[url]": {"https://hooks.example.com/seats"}, "hook[token]": {"s3cret"}}
}

// withHook adds a system hook, or acme's (group) hook, at a closed
// loopback port.
func withHook(group bool) func(t *testing.T, f *coverageFixture) {
	return func(t *testing.T, f *coverageFixture) {
		t.Helper()
		var ns *int64
		if group {
			ns = &f.acme.ID
		}
		h, err := f.store.CreateWebHook(context.Background(), models.ActorFor(f.users["admin"]), ns,
			models.WebHookInput{URL: "http://127.0.0.1:1/hook", Token: "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		f.hook = h.ID
	}
}

func withVictimSignedIn(t *testing.T, f *coverageFixture) {
	t.Helper()
	f.as("victim")
}

func withOtherAdminSession(t *testing.T, f *coverageFixture) {
	t.Helper()
	f.as("admin")
	sessions, err := f.store.ActiveSessions(context.Background(), f.users["admin"].ID, "", time.Now())
	if err != nil || len(sessions) != 1 {
		t.Fatalf("the admin's sessions: %v %v", sessions, err)
	}
	f.otherSession = sessions[0].ID
}

func withVictimSeat(t *testing.T, f *coverageFixture) {
	t.Helper()
	if _, err := f.store.AssignSeat(context.Background(), models.ActorFor(f.users["admin"]), f.groupPurchase, f.victim.ID); err != nil {
		t.Fatal(err)
	}
}

func reclaimPolicyForm(*coverageFixture) url.Values {
	return url.Values{"enabled": {"1"}, "idle_days": {"60"}, "notice_days": {"7"}, "save": {"1"}}
}

// withVictimRequest: victim asks for a seat of the purchase the seat
// screens manage (the instance's, or acme's).
func withVictimRequest(t *testing.T, f *coverageFixture) {
	t.Helper()
	pid := f.instancePurchase
	if pid == 0 {
		pid = f.groupPurchase
	}
	r, err := f.store.RequestSeat(context.Background(), f.victim, pid, "coverage")
	if err != nil {
		t.Fatal(err)
	}
	f.request = r.ID
}

// path fills the route's params with the fixture's.
func (f *coverageFixture) path(t *testing.T, r string) string {
	t.Helper()
	segs := strings.Split(r, "/")
	for i, s := range segs {
		switch s {
		case ":group_path":
			segs[i] = f.acme.FullPath
		case ":project_path":
			segs[i] = f.backend.FullPath
		case ":username":
			segs[i] = f.victim.Username
		case ":state_action":
			segs[i] = "block"
		case ":name":
			segs[i] = f.subscription
		case ":rule_id":
			segs[i] = id(f.rule)
		case ":request_id":
			segs[i] = id(f.request)
		case ":id":
			switch {
			case strings.Contains(r, "assignment_rules/runs/"):
				segs[i] = id(f.heldRun)
			case strings.Contains(r, "assignment_rules/") && !strings.HasPrefix(r, "/api/"):
				segs[i] = id(f.rule)
			case strings.HasPrefix(r, "/api/v4/groups/"):
				segs[i] = id(f.acme.ID)
			case strings.HasPrefix(r, "/api/v4/projects/"):
				segs[i] = id(f.backend.ID)
			case strings.HasPrefix(r, "/api/v4/add_on_purchases/"):
				segs[i] = id(f.groupPurchase)
			case strings.HasPrefix(r, "/groups/:group_path/-/hooks/"), strings.HasPrefix(r, "/admin/hooks/"):
				segs[i] = id(f.hook)
			case strings.HasPrefix(r, "/groups/:group_path"):
				segs[i] = id(f.victimMember)
			case strings.HasPrefix(r, "/:project_path"):
				segs[i] = id(f.devMember)
			case strings.HasPrefix(r, "/admin/ai/duo_self_hosted/"):
				segs[i] = id(f.model)
			default:
				t.Fatalf("%s: the coverage test does not know what :id is here; teach path()", r)
			}
		default:
			if strings.HasPrefix(s, ":") {
				t.Fatalf("%s: the coverage test has no fixture for %s; teach path()", r, s)
			}
		}
	}
	return strings.Join(segs, "/")
}

func (f *coverageFixture) send(t *testing.T, method, route string, tc auditCase) *response {
	t.Helper()
	path := f.path(t, route)
	if strings.HasPrefix(route, "/api/") {
		if tc.as != "" {
			t.Fatal("API cases are sent with the admin's token")
		}
		var body io.Reader
		if tc.json != nil {
			body = strings.NewReader(tc.json(f))
		}
		req, _ := http.NewRequest(method, f.http.URL+path, body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("PRIVATE-TOKEN", f.token)
		return f.client().do(req)
	}
	c := f.as(tc.sender())
	form := url.Values{}
	if tc.form != nil {
		form = tc.form(f)
	}
	if route == "/users/sign_in" {
		c = f.client()
		form = url.Values{"user[login]": {"dev"}, "user[password]": {testPassword}}
	}
	if method != http.MethodPost {
		t.Fatalf("the coverage test cannot send %s to a web route; teach send()", method)
	}
	return c.post(path, form)
}

// wellFormed: an action, who did it (the admin who sent the request), a
// target, and details that are a JSON object.
func wellFormed(t *testing.T, e models.AuditEvent, actor *models.User) {
	t.Helper()
	var d map[string]any
	switch {
	case e.Action == "":
		t.Errorf("event %d has no action", e.ID)
	case e.ActorName != actor.Username || e.ActorID == nil || *e.ActorID != actor.ID:
		t.Errorf("%s: actor %q (%v), want %s", e.Action, e.ActorName, e.ActorID, actor.Username)
	case e.TargetType == "" || (e.TargetName == "" && e.TargetID == nil):
		t.Errorf("%s: no target (%q %q)", e.Action, e.TargetType, e.TargetName)
	case json.Unmarshal([]byte(e.Details), &d) != nil:
		t.Errorf("%s: details are not a JSON object: %q", e.Action, e.Details)
	}
}

func maxEventID(t *testing.T, s *models.Store) int64 {
	t.Helper()
	evs, err := s.RecentAuditEvents(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[0].ID
}

func eventsAfter(t *testing.T, s *models.Store, after int64) []models.AuditEvent {
	t.Helper()
	evs, err := s.RecentAuditEvents(context.Background(), 100000)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.AuditEvent
	for _, e := range evs {
		if e.ID > after {
			out = append(out, e)
		}
	}
	return out
}

func TestEveryStateChangingRouteIsAudited(t *testing.T) {
	routes := newApp(t, storetest.SQLite(t), models.SelfManaged).server.Routes()
	seen := map[string]bool{}
	for _, r := range routes {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			continue
		}
		key := r.Method + " " + r.Path
		seen[key] = true
		if strings.Contains(r.Path, "audit_events") {
			t.Errorf("%s changes audit events: they are append-only", key)
			continue
		}
		tc, ok := auditCoverage[key]
		if !ok {
			tc, ok = ruleCoverage()[key]
		}
		if !ok {
			t.Errorf("%s: add the route to the audit coverage table (handlers/audit_coverage_test.go) with the audit event(s) it writes", key)
			continue
		}
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			d := tc.deployment
			if d == "" {
				d = models.SelfManaged
			}
			f := newCoverageFixture(t, d)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			before := maxEventID(t, f.store)
			res := f.send(t, r.Method, r.Path, tc)
			if st := res.StatusCode; st >= 400 || (st == http.StatusFound && strings.HasPrefix(res.Header.Get("Location"), "/users/sign_in")) {
				t.Fatalf("the request failed (%d), so its audit is untested: fix the case's form or setup\n%s", st, snippet(res.Body))
			}
			evs := eventsAfter(t, f.store, before)
			if tc.none != "" {
				if len(evs) != 0 {
					t.Errorf("listed as changing nothing auditable (%s), but wrote %d events: %v", tc.none, len(evs), actionsOf(evs))
				}
				return
			}
			if flash := res.Header.Get("Location"); len(evs) == 0 {
				t.Fatalf("wrote no audit event (redirect to %q, status %d)", flash, res.StatusCode)
			}
			got, want := actionsOf(evs), slices.Clone(tc.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("wrote %v, want %v", got, want)
			}
			for _, e := range evs {
				wellFormed(t, e, f.users[tc.sender()])
			}
		})
	}
	for key := range ruleCoverage() {
		if !seen[key] {
			t.Errorf("the audit coverage table lists %s, which is not a route any more", key)
		}
	}
	for key := range auditCoverage {
		if !seen[key] {
			t.Errorf("the audit coverage table lists %s, which is not a route any more", key)
		}
	}
}

func actionsOf(evs []models.AuditEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Action
	}
	sort.Strings(out)
	return out
}

// confirmed is a destructive form's second step: without confirm=1 it
// only shows the confirmation.
func confirmed(*coverageFixture) url.Values { return url.Values{"confirm": {"1"}} }
