package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// RouteInfo describes one route for the authorization matrix and docs.
type RouteInfo struct {
	Method string
	Path   string
	Access Access
}

// Routes lists every route with its access rule.
func (s *Server) Routes() []RouteInfo {
	var out []RouteInfo
	for _, r := range s.echo.Routes() {
		if a, ok := s.routeAccess[r.Method+" "+r.Path]; ok {
			out = append(out, RouteInfo{Method: r.Method, Path: r.Path, Access: a})
		}
	}
	out = append(out, s.groupRoutes.order...)
	return append(out, s.projectRoutes.order...)
}

// The two edges. A web route reads the session and checks the CSRF token
// of a write; an /api/v4 route (the api group) authenticates with a
// personal access token, answers errors as JSON, and has neither. The
// operational endpoints and static files need neither.

// handle registers a web route with its access rule.
func (s *Server) handle(e *echo.Echo, method, path string, a Access, h echo.HandlerFunc) {
	s.handleIn(e, method, path, a, nil, h)
}

// handleIn registers a web route about a resource that sc finds, so the
// rule is decided on it before h runs.
func (s *Server) handleIn(e *echo.Echo, method, path string, a Access, sc scope, h echo.HandlerFunc) {
	e.Add(method, path, s.web(s.guard(a, sc, false, h)))
	s.routeAccess[method+" "+path] = a
}

// web is the middleware of the web edge: the session, then CSRF.
func (s *Server) web(h echo.HandlerFunc) echo.HandlerFunc { return s.loadSession(s.csrf(h)) }

// handleBare registers a public GET route outside both edges: no session
// is read or written (health checks and metrics are polled constantly).
// It answers HEAD too, which monitors and load balancers often send.
func (s *Server) handleBare(e *echo.Echo, path string, h echo.HandlerFunc) {
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		e.Add(method, path, s.guard(Public, nil, false, h))
		s.routeAccess[method+" "+path] = Public
	}
}

// handleAPI registers an /api/v4 route on the api group.
func (s *Server) handleAPI(api *echo.Group, method, path string, a Access, sc scope, h echo.HandlerFunc) {
	api.Add(method, path, s.guard(a, sc, true, h))
	s.routeAccess[method+" "+apiPrefix+path] = a
}

// apiPrefix is where the api group lives.
const apiPrefix = "/api/v4"

func (s *Server) routes(e *echo.Echo) {
	s.routeAccess = map[string]Access{}
	get, post := http.MethodGet, http.MethodPost

	e.GET("/static/*", s.serveStatic)
	s.handleBare(e, "/favicon.ico", s.getFavicon)
	s.handleBare(e, "/-/health", s.getHealth)
	s.handleBare(e, "/-/liveness", s.getLiveness)
	s.handleBare(e, "/-/readiness", s.getReadiness)
	s.handleBare(e, "/-/metrics", s.getMetrics)

	s.handle(e, get, "/users/sign_in", Public, s.getSignIn)
	s.handle(e, post, "/users/sign_in", Public, s.postSignIn)
	s.handle(e, post, "/users/sign_out", SignedIn, s.postSignOut)
	s.handle(e, get, "/", SignedIn, s.getHome)

	s.handle(e, get, "/admin", AdminArea, s.getAdmin)
	s.handle(e, get, "/admin/users", AdminArea, s.getAdminUsers)
	s.handle(e, get, "/admin/users/new", AdminArea, s.getAdminUsersNew)
	s.handle(e, post, "/admin/users", AdminArea, s.postAdminUsers)
	s.handle(e, get, "/admin/users/:username", AdminArea, s.getAdminUser)
	s.handle(e, get, "/admin/users/:username/edit", AdminArea, s.getAdminUserEdit)
	s.handle(e, post, "/admin/users/:username", AdminArea, s.postAdminUser)
	s.handle(e, post, "/admin/users/:username/:state_action", AdminArea, s.postAdminUserState)
	s.handle(e, get, "/admin/groups", AdminArea, s.getAdminGroups)
	s.handle(e, get, "/admin/groups/new", AdminArea, s.getAdminGroupsNew)
	s.handle(e, post, "/admin/groups", AdminArea, s.postAdminGroups)
	s.handle(e, get, "/admin/gitlab_duo", AdminArea, s.getAdminGitlabDuo)
	s.handle(e, post, "/admin/gitlab_duo/assignments", AdminArea, s.postAdminGitlabDuoAssignments)
	s.handle(e, get, "/admin/gitlab_duo/seat_utilization", AdminArea, s.getAdminSeatUtilization)
	s.handle(e, post, "/admin/gitlab_duo/seat_utilization/bulk", AdminArea, s.postAdminSeatUtilizationBulk)
	s.handle(e, get, "/admin/gitlab_duo/seat_utilization/export.csv", AdminArea, s.getAdminSeatUtilizationCSV)
	s.handle(e, get, "/admin/gitlab_duo/seat_utilization/history", AdminArea, s.getAdminSeatUtilizationHistory)
	s.handle(e, get, "/admin/gitlab_duo/seat_utilization/history/export.csv", AdminArea, s.getAdminSeatUtilizationHistoryCSV)
	s.handle(e, get, "/admin/gitlab_duo/seat_utilization/history/export.ndjson", AdminArea, s.getAdminSeatUtilizationHistoryNDJSON)
	for _, r := range s.ruleRoutes() {
		s.handle(e, r.method, adminRulesPath+r.suffix, AdminArea, s.inRuleScope(s.adminRuleScope, r.suffix == "", r.h))
	}
	s.handle(e, get, "/admin/gitlab_duo/seat_utilization/usage", AdminArea, s.getAdminSeatUtilizationUsage)
	s.handle(e, get, "/admin/gitlab_duo/seat_utilization/usage/export.csv", AdminArea, s.getAdminSeatUtilizationUsageCSV)
	s.handle(e, get, "/admin/gitlab_duo/seat_utilization/reclaim", AdminArea, s.getAdminSeatUtilizationReclaim)
	s.handle(e, post, "/admin/gitlab_duo/seat_utilization/reclaim", AdminArea, s.postAdminSeatUtilizationReclaim)
	s.handle(e, get, "/admin/gitlab_duo/seat_utilization/seat_requests", AdminArea, s.getAdminSeatRequests)
	s.handle(e, post, "/admin/gitlab_duo/seat_utilization/seat_requests/assign", AdminArea, s.postAdminSeatRequestsAssign)
	s.handle(e, post, "/admin/gitlab_duo/seat_utilization/seat_requests/decline", AdminArea, s.postAdminSeatRequestsDecline)
	s.handle(e, post, "/admin/gitlab_duo/seat_utilization/seat_requests/settings", AdminArea, s.postAdminSeatRequestsSettings)
	s.handle(e, get, "/admin/subscription", AdminArea, s.getAdminSubscription)
	s.handle(e, post, "/admin/subscription/sync", AdminArea, s.postAdminSubscriptionSync)
	s.handle(e, post, "/admin/subscription/trials", AdminArea, s.postAdminSubscriptionTrials)
	s.handle(e, get, "/admin/subscriptions", AdminArea, s.getAdminSubscriptions)
	s.handle(e, post, "/admin/subscriptions", AdminArea, s.postAdminSubscriptions)
	s.handle(e, get, "/admin/subscriptions/:name", AdminArea, s.getAdminSubscriptionByName)
	s.handle(e, get, "/admin/subscriptions/:name/orders/new", AdminArea, s.getAdminSubscriptionOrdersNew)
	s.handle(e, post, "/admin/subscriptions/:name/orders", AdminArea, s.postAdminSubscriptionOrders)
	s.handle(e, post, "/admin/subscriptions/:name/add_seats", AdminArea, s.postAdminSubscriptionAddSeats)
	s.handle(e, post, "/admin/subscriptions/:name/renew", AdminArea, s.postAdminSubscriptionRenew)
	s.handle(e, post, "/admin/subscriptions/:name/quantity", AdminArea, s.postAdminSubscriptionQuantity)
	s.handle(e, get, "/admin/gitlab_duo/access_check", AdminArea, s.getAdminGitlabDuoAccessCheck)
	s.handle(e, get, "/admin/gitlab_duo/availability_map", AdminArea, s.getAdminGitlabDuoAvailabilityMap)
	s.handle(e, get, "/admin/gitlab_duo/availability_map/export.yaml", AdminArea, s.getAdminGitlabDuoAvailabilityMapYAML)
	s.handle(e, post, "/admin/gitlab_duo/availability_map/apply", AdminArea, s.postAdminGitlabDuoAvailabilityMapApply)
	s.handle(e, get, "/admin/gitlab_duo/health_check", AdminArea, s.getAdminGitlabDuoHealthCheck)
	s.handle(e, get, "/admin/ai/duo_self_hosted", AdminArea, s.getAdminDuoSelfHosted)
	s.handle(e, get, "/admin/ai/duo_self_hosted/new", AdminArea, s.getAdminDuoSelfHostedNew)
	s.handle(e, post, "/admin/ai/duo_self_hosted", AdminArea, s.postAdminDuoSelfHosted)
	s.handle(e, get, "/admin/ai/duo_self_hosted/:id/edit", AdminArea, s.getAdminDuoSelfHostedEdit)
	s.handle(e, post, "/admin/ai/duo_self_hosted/:id", AdminArea, s.postAdminDuoSelfHostedUpdate)
	s.handle(e, post, "/admin/ai/duo_self_hosted/:id/delete", AdminArea, s.postAdminDuoSelfHostedDelete)
	s.handle(e, post, "/admin/ai/duo_self_hosted/:id/test_connection", AdminArea, s.postAdminDuoSelfHostedTestConnection)
	s.handle(e, post, "/admin/ai/duo_self_hosted/features", AdminArea, s.postAdminDuoSelfHostedFeatures)
	s.handle(e, get, "/admin/audit_events", AdminArea, s.getAdminAuditEvents)
	s.handle(e, get, "/admin/audit_events/export.csv", AdminArea, s.getAdminAuditEventsCSV)
	s.handle(e, get, "/admin/users/:username/gitlab_duo", AdminArea, s.getAdminUserGitlabDuo)
	s.handle(e, get, "/-/profile/gitlab_duo", SignedIn, s.getProfileGitlabDuo)
	s.handle(e, post, "/-/profile/gitlab_duo/seat_requests", SignedIn, s.postProfileGitlabDuoSeatRequests)
	s.handle(e, get, "/admin/feature_flags", AdminArea, s.getAdminFeatureFlags)
	s.handle(e, post, "/admin/feature_flags", AdminArea, s.postAdminFeatureFlags)
	s.handle(e, get, "/admin/email_outbox", AdminArea, s.getAdminEmailOutbox)
	s.handle(e, get, "/admin/hooks", AdminArea, s.getAdminHooks)
	s.handle(e, post, "/admin/hooks", AdminArea, s.postAdminHooks)
	s.handle(e, get, "/admin/hooks/:id/edit", AdminArea, s.getAdminHookEdit)
	s.handle(e, post, "/admin/hooks/:id/test", AdminArea, s.postAdminHookTest)
	s.handle(e, get, "/admin/hooks/:id/delete", AdminArea, s.getAdminHookDelete)
	s.handle(e, post, "/admin/hooks/:id/delete", AdminArea, s.postAdminHookDelete)
	s.handle(e, get, "/admin/gitlab_duo/configuration", AdminArea, s.getAdminGitlabDuoConfiguration)
	s.handle(e, post, "/admin/gitlab_duo/configuration", AdminArea, s.postAdminGitlabDuoConfiguration)
	s.handle(e, get, "/admin/gitlab_duo/ldap", AdminArea, s.getAdminGitlabDuoLDAP)
	s.handle(e, post, "/admin/gitlab_duo/ldap", AdminArea, s.postAdminGitlabDuoLDAP)
	s.handle(e, post, "/admin/gitlab_duo/ldap/test_connection", AdminArea, s.postAdminGitlabDuoLDAPTestConnection)
	s.handle(e, get, "/-/user_settings/active_sessions", SignedIn, s.getActiveSessions)
	s.handle(e, post, "/-/user_settings/active_sessions/revoke", SignedIn, s.postRevokeActiveSession)
	s.handle(e, post, "/admin/users/:username/sessions/revoke", AdminArea, s.postAdminUserSessionsRevoke)

	// A new subgroup or project is its parent group's owners' to create;
	// a top-level group is the admin area's.
	s.handleIn(e, get, "/groups/new", GroupOwner, parentGroupIn("parent_id", AdminArea), s.getGroupsNew)
	s.handleIn(e, post, "/groups", GroupOwner, parentGroupIn("parent_id", AdminArea), s.postGroups)
	s.handleIn(e, get, "/projects/new", GroupOwner, parentGroupIn("namespace_id", Public), s.getProjectsNew)
	s.handleIn(e, post, "/projects", GroupOwner, parentGroupIn("namespace_id", Public), s.postProjects)

	s.groupRoutes = s.newScopedRouter("/groups/:group_path", groupInPath)
	g := s.groupRoutes
	g.add(get, "", GroupOwner, s.getGroup)
	g.add(get, "-/group_members", GroupOwner, s.getGroupMembers)
	g.add(post, "-/group_members", GroupOwner, s.postGroupMembers)
	g.add(post, "-/group_members/:id", GroupOwner, s.postGroupMember)
	g.add(post, "-/group_members/:id/delete", GroupOwner, s.postGroupMemberDelete)
	g.add(get, "-/edit", GroupOwner, s.getGroupEdit)
	g.add(post, "-/edit", GroupOwner, s.postGroupEdit)
	g.add(get, "-/settings/gitlab_duo", GroupOwner, s.getGroupSettingsGitlabDuo)
	g.add(post, "-/settings/gitlab_duo/assignments", GroupOwner, s.postGroupGitlabDuoAssignments)
	for _, r := range s.ruleRoutes() {
		g.add(r.method, "-/settings/gitlab_duo/assignment_rules"+r.suffix, GroupOwner, s.inRuleScope(s.groupRuleScope, r.suffix == "", r.h))
	}
	g.add(get, "-/usage_quotas/gitlab_duo", GroupOwner, s.getGroupUsageQuotasGitlabDuo)
	g.add(post, "-/usage_quotas/gitlab_duo/bulk", GroupOwner, s.postGroupUsageQuotasGitlabDuoBulk)
	g.add(get, "-/usage_quotas/gitlab_duo/export.csv", GroupOwner, s.getGroupUsageQuotasGitlabDuoCSV)
	g.add(get, "-/usage_quotas/gitlab_duo/history", GroupOwner, s.getGroupUsageQuotasGitlabDuoHistory)
	g.add(get, "-/usage_quotas/gitlab_duo/history/export.csv", GroupOwner, s.getGroupUsageQuotasGitlabDuoHistoryCSV)
	g.add(get, "-/usage_quotas/gitlab_duo/history/export.ndjson", GroupOwner, s.getGroupUsageQuotasGitlabDuoHistoryNDJSON)
	g.add(get, "-/usage_quotas/gitlab_duo/usage", GroupOwner, s.getGroupUsageQuotasGitlabDuoUsage)
	g.add(get, "-/usage_quotas/gitlab_duo/usage/export.csv", GroupOwner, s.getGroupUsageQuotasGitlabDuoUsageCSV)
	g.add(get, "-/usage_quotas/gitlab_duo/reclaim", GroupOwner, s.getGroupUsageQuotasGitlabDuoReclaim)
	g.add(post, "-/usage_quotas/gitlab_duo/reclaim", GroupOwner, s.postGroupUsageQuotasGitlabDuoReclaim)
	g.add(get, "-/usage_quotas/gitlab_duo/seat_requests", GroupOwner, s.getGroupSeatRequests)
	g.add(post, "-/usage_quotas/gitlab_duo/seat_requests/assign", GroupOwner, s.postGroupSeatRequestsAssign)
	g.add(post, "-/usage_quotas/gitlab_duo/seat_requests/decline", GroupOwner, s.postGroupSeatRequestsDecline)
	g.add(post, "-/usage_quotas/gitlab_duo/seat_requests/settings", GroupOwner, s.postGroupSeatRequestsSettings)
	g.add(get, "-/billings", GroupOwner, s.getGroupBillings)
	g.add(get, "-/hooks", GroupOwner, s.getGroupHooks)
	g.add(post, "-/hooks", GroupOwner, s.inGroupHooks(s.createHook))
	g.add(get, "-/hooks/:id/edit", GroupOwner, s.inGroupHooks(s.editHook))
	g.add(post, "-/hooks/:id/test", GroupOwner, s.inGroupHooks(s.testHook))
	g.add(get, "-/hooks/:id/delete", GroupOwner, s.inGroupHooks(s.confirmDeleteHook))
	g.add(post, "-/hooks/:id/delete", GroupOwner, s.inGroupHooks(s.deleteHook))
	g.add(post, "-/billings/trials", GroupOwner, s.postGroupBillingsTrials)
	g.add(get, "-/settings/gitlab_duo/configuration", GroupOwner, s.getGroupGitlabDuoConfiguration)
	g.add(get, "-/settings/gitlab_duo/access_check", GroupOwner, s.getGroupGitlabDuoAccessCheck)
	g.add(get, "-/settings/gitlab_duo/health_check", GroupOwner, s.getGroupGitlabDuoHealthCheck)
	g.add(get, "-/settings/gitlab_duo/availability_map", GroupOwner, s.getGroupGitlabDuoAvailabilityMap)
	g.add(get, "-/settings/gitlab_duo/availability_map/export.yaml", GroupOwner, s.getGroupGitlabDuoAvailabilityMapYAML)
	g.add(post, "-/settings/gitlab_duo/availability_map/apply", GroupOwner, s.postGroupGitlabDuoAvailabilityMapApply)
	g.add(get, "-/audit_events", GroupOwner, s.getGroupAuditEvents)
	g.add(get, "-/audit_events/export.csv", GroupOwner, s.getGroupAuditEventsCSV)
	g.add(get, "-/group_members/:id/gitlab_duo", GroupOwner, s.getGroupMemberGitlabDuo)
	g.add(post, "-/settings/gitlab_duo/configuration", GroupOwner, s.postGroupGitlabDuoConfiguration)
	g.addIn(post, "-/settings/gitlab_duo/enforcement", GroupOwner, duoEnforcerInPath, s.postGroupGitlabDuoEnforcement)

	s.projectRoutes = s.newScopedRouter("/:project_path", projectInPath)
	p := s.projectRoutes
	p.add(get, "", ProjectOwner, s.getProject)
	p.add(get, "-/project_members", ProjectOwner, s.getProjectMembers)
	p.add(post, "-/project_members", ProjectOwner, s.postProjectMembers)
	p.add(post, "-/project_members/:id", ProjectOwner, s.postProjectMember)
	p.add(post, "-/project_members/:id/delete", ProjectOwner, s.postProjectMemberDelete)
	p.add(get, "edit", ProjectOwner, s.getProjectEdit)
	p.add(post, "edit", ProjectOwner, s.postProjectEdit)

	// /api/v4 authenticates with tokens (apiAuth); the resource a route
	// names is found and checked by its scope with the screens' rules.
	api := e.Group(apiPrefix, s.apiAuth)
	// A path or method the API does not have: signed out, the same 401 as
	// a real endpoint, so a visitor cannot map the API's routes.
	api.RouteNotFound("", s.apiNotFound)
	api.RouteNotFound("/*", s.apiNotFound)
	put, del := http.MethodPut, http.MethodDelete
	s.handleAPI(api, get, "/application/duo_settings", AdminArea, nil, s.getAPIApplicationDuoSettings)
	s.handleAPI(api, put, "/application/duo_settings", AdminArea, nil, s.putAPIApplicationDuoSettings)
	s.handleAPI(api, get, "/groups/:id/duo_settings", GroupOwner, apiGroupID, s.getAPIGroupDuoSettings)
	s.handleAPI(api, put, "/groups/:id/duo_settings", GroupOwner, apiGroupID, s.putAPIGroupDuoSettings)
	s.handleAPI(api, get, "/projects/:id/duo_settings", ProjectOwner, apiProjectID, s.getAPIProjectDuoSettings)
	s.handleAPI(api, put, "/projects/:id/duo_settings", ProjectOwner, apiProjectID, s.putAPIProjectDuoSettings)
	s.handleAPI(api, get, "/add_on_purchases", GroupOwner, apiNamespaceQuery, s.getAPIAddOnPurchases)
	// A purchase's seats: its top-level group's owners' on GitLab.com,
	// the admin area's on self-managed (apiPurchaseID).
	seats := GroupOwner
	if s.deployment == models.SelfManaged {
		seats = AdminArea
	}
	s.handleAPI(api, get, "/add_on_purchases/:id/eligible_users", seats, apiPurchaseID, s.getAPIAddOnPurchaseEligibleUsers)
	s.handleAPI(api, post, "/add_on_purchases/:id/assignments", seats, apiPurchaseID, s.postAPIAddOnPurchaseAssignments)
	s.handleAPI(api, del, "/add_on_purchases/:id/assignments", seats, apiPurchaseID, s.deleteAPIAddOnPurchaseAssignments)
	s.handleAPI(api, get, "/add_on_purchases/:id/seat_events", seats, apiPurchaseID, s.getAPIAddOnPurchaseSeatEvents)
	s.handleAPI(api, get, "/add_on_purchases/:id/assignment_rules", seats, apiPurchaseID, s.getAPIAssignmentRules)
	s.handleAPI(api, post, "/add_on_purchases/:id/assignment_rules", seats, apiPurchaseID, s.postAPIAssignmentRules)
	s.handleAPI(api, post, "/add_on_purchases/:id/assignment_rules/sync", seats, apiPurchaseID, s.postAPIAssignmentRulesSync)
	s.handleAPI(api, get, "/add_on_purchases/:id/assignment_rules/:rule_id", seats, apiPurchaseID, s.getAPIAssignmentRule)
	s.handleAPI(api, put, "/add_on_purchases/:id/assignment_rules/:rule_id", seats, apiPurchaseID, s.putAPIAssignmentRule)
	s.handleAPI(api, del, "/add_on_purchases/:id/assignment_rules/:rule_id", seats, apiPurchaseID, s.deleteAPIAssignmentRule)
	s.handleAPI(api, get, "/add_on_purchases/:id/usage", seats, apiPurchaseID, s.getAPIAddOnPurchaseUsage)
	s.handleAPI(api, get, "/add_on_purchases/:id/seat_requests", seats, apiPurchaseID, s.getAPIAddOnPurchaseSeatRequests)
	s.handleAPI(api, post, "/add_on_purchases/:id/seat_requests/:request_id/approve", seats, apiPurchaseID, s.postAPISeatRequestApprove)
	s.handleAPI(api, post, "/add_on_purchases/:id/seat_requests/:request_id/decline", seats, apiPurchaseID, s.postAPISeatRequestDecline)
	// Users ask about themselves; what they may ask about others, and
	// which resources they may name, the query itself limits (see the
	// handler): no resource of another's is read.
	s.handleAPI(api, get, "/duo/access", SignedIn, nil, s.getAPIDuoAccess)
	s.handleAPI(api, post, "/code_suggestions/enabled", SignedIn, nil, s.postAPICodeSuggestionsEnabled)
	s.handleAPI(api, get, "/user/duo", SignedIn, nil, s.getAPIUserDuo)
	s.handleAPI(api, post, "/user/duo/seat_requests", SignedIn, nil, s.postAPIUserDuoSeatRequests)
	s.handleAPI(api, post, "/duo/usage_events", AdminArea, nil, s.postAPIDuoUsageEvents)
	s.handleAPI(api, get, "/audit_events", AdminArea, nil, s.getAPIAuditEvents)
	s.handleAPI(api, get, "/groups/:id/audit_events", GroupOwner, apiGroupID, s.getAPIGroupAuditEvents)
	// GitLab's own groups, application settings and users APIs, with the
	// fields GitLab's clients use for GitLab Duo.
	s.handleAPI(api, get, "/groups", SignedIn, nil, s.getAPIGroups)
	s.handleAPI(api, get, "/groups/:id", GroupOwner, apiGroupID, s.getAPIGroup)
	s.handleAPI(api, put, "/groups/:id", GroupOwner, apiGroupID, s.putAPIGroup)
	s.handleAPI(api, get, "/application/settings", AdminArea, nil, s.getAPIApplicationSettings)
	s.handleAPI(api, put, "/application/settings", AdminArea, nil, s.putAPIApplicationSettings)
	s.handleAPI(api, get, "/users", SignedIn, nil, s.getAPIUsers)
	s.handleAPI(api, get, "/users/:id", SignedIn, nil, s.getAPIUser)

	s.handleGraphQL(e)

	e.Any("/groups/*", s.web(s.dispatchGroup))
	e.Any("/*", s.web(s.dispatchProject))
}
