package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// scopedRouter routes what follows a group or project path. Full paths
// contain slashes ("acme/platform/api"), which echo's params cannot
// express, so GitLab's "/-/" separator splits resource from action.
type scopedRouter struct {
	prefix string // "/groups/:group_path" or "/:project_path", for the route table
	server *Server
	scope  scope // finds the group or project in the path
	routes map[string]echo.HandlerFunc
	order  []RouteInfo
}

func (s *Server) newScopedRouter(prefix string, sc scope) *scopedRouter {
	return &scopedRouter{prefix: prefix, server: s, scope: sc, routes: map[string]echo.HandlerFunc{}}
}

// add registers a handler for suffix: "" (the resource itself), "edit", or
// "-/group_members", "-/group_members/:id" (one :id segment is allowed),
// behind the guard of its access rule.
func (r *scopedRouter) add(method, suffix string, access Access, h echo.HandlerFunc) {
	r.addIn(method, suffix, access, r.scope, h)
}

// addIn is add with a scope of its own, for a route whose owners are not
// the resource's (the enforcement of a group's GitLab Duo setting).
func (r *scopedRouter) addIn(method, suffix string, access Access, sc scope, h echo.HandlerFunc) {
	r.routes[method+" "+suffix] = r.server.guard(access, sc, false, h)
	path := r.prefix
	if suffix != "" {
		path += "/" + suffix
	}
	r.order = append(r.order, RouteInfo{Method: method, Path: path, Access: access})
}

// match finds the handler for a suffix, filling a trailing :id param.
func (r *scopedRouter) match(method, suffix string) (echo.HandlerFunc, string, string) {
	if h, ok := r.routes[method+" "+suffix]; ok {
		return h, suffix, ""
	}
	parts := strings.Split(suffix, "/")
	for i := range parts {
		try := append(append([]string{}, parts[:i]...), ":id")
		try = append(try, parts[i+1:]...)
		pattern := strings.Join(try, "/")
		if h, ok := r.routes[method+" "+pattern]; ok {
			return h, pattern, parts[i]
		}
	}
	return nil, "", ""
}

// splitScoped splits "acme/platform/-/group_members" into the full path and
// the suffix; "acme/api/edit" (GitLab's project edit URL) keeps "edit".
func splitScoped(rest string) (fullPath, suffix string) {
	rest = strings.Trim(rest, "/")
	if i := strings.Index(rest, "/-/"); i >= 0 {
		return rest[:i], "-/" + rest[i+3:]
	}
	if strings.HasSuffix(rest, "/edit") {
		return strings.TrimSuffix(rest, "/edit"), "edit"
	}
	return rest, ""
}

// dispatchGroup serves /groups/<full path>[/-/<action>]: the route is
// found first, then its guard (groupInPath) finds the group and decides.
func (s *Server) dispatchGroup(c echo.Context) error {
	return s.dispatch(c, s.groupRoutes)
}

// dispatchProject serves /<project full path>[/edit|/-/<action>].
func (s *Server) dispatchProject(c echo.Context) error {
	return s.dispatch(c, s.projectRoutes)
}

func (s *Server) dispatch(c echo.Context, r *scopedRouter) error {
	fullPath, suffix := splitScoped(c.Param("*"))
	h, pattern, id := r.match(c.Request().Method, suffix)
	if h == nil {
		if viewer(c) == nil {
			// Asked to sign in, as for a route that exists: a visitor
			// learns nothing from which paths are routes.
			return errSignInRequired
		}
		return errNotFound
	}
	s.setScoped(c, r.prefix, pattern, id)
	c.Set(keyScopedPath, fullPath)
	return h(c)
}

func (s *Server) setScoped(c echo.Context, prefix, pattern, id string) {
	route := prefix
	if pattern != "" {
		route += "/" + pattern
	}
	c.Set(keyRoutePattern, route)
	if id != "" {
		c.SetParamNames("id")
		c.SetParamValues(id)
	}
}
