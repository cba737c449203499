package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// scopedRouter routes what follows a group or project path. Full paths
// contain slashes ("acme/platform/api"), which echo's params cannot
// express, so GitLab's "/-/" separator splits resource from action.
type scopedRouter struct {
	prefix string // "/groups/:group_path" or "/:project_path", for the route table
	routes map[string]echo.HandlerFunc
	order  []RouteInfo
}

func newScopedRouter(prefix string) *scopedRouter {
	return &scopedRouter{prefix: prefix, routes: map[string]echo.HandlerFunc{}}
}

// add registers a handler for suffix: "" (the resource itself), "edit", or
// "-/group_members", "-/group_members/:id" (one :id segment is allowed).
func (r *scopedRouter) add(method, suffix string, access Access, h echo.HandlerFunc) {
	r.routes[method+" "+suffix] = h
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

const (
	keyGroup   = "group"
	keyProject = "project"
)

func currentGroup(c echo.Context) *models.Group     { return c.Get(keyGroup).(*models.Group) }
func currentProject(c echo.Context) *models.Project { return c.Get(keyProject).(*models.Project) }

// dispatchGroup serves /groups/<full path>[/-/<action>].
func (s *Server) dispatchGroup(c echo.Context) error {
	fullPath, suffix := splitScoped(c.Param("*"))
	g, err := s.store.GroupByFullPath(c.Request().Context(), fullPath)
	if err != nil {
		return s.denied(c, notFoundUnlessSignedOut(c, err))
	}
	if err := s.authorizeGroup(c, g, isWrite(c)); err != nil {
		return err
	}
	h, pattern, id := s.groupRoutes.match(c.Request().Method, suffix)
	if h == nil {
		return errNotFound
	}
	s.setScoped(c, s.groupRoutes.prefix, pattern, id)
	c.Set(keyGroup, g)
	return h(c)
}

// dispatchProject serves /<project full path>[/edit|/-/<action>].
func (s *Server) dispatchProject(c echo.Context) error {
	fullPath, suffix := splitScoped(c.Param("*"))
	if !strings.Contains(fullPath, "/") {
		return s.denied(c, notFoundUnlessSignedOut(c, models.ErrNotFound))
	}
	ctx := c.Request().Context()
	p, err := s.store.ProjectByFullPath(ctx, fullPath)
	if err != nil {
		return s.denied(c, notFoundUnlessSignedOut(c, err))
	}
	g, err := s.store.GroupByID(ctx, p.NamespaceID)
	if err != nil {
		return err
	}
	if err := s.authorizeProject(c, p, g, isWrite(c)); err != nil {
		return err
	}
	h, pattern, id := s.projectRoutes.match(c.Request().Method, suffix)
	if h == nil {
		return errNotFound
	}
	s.setScoped(c, s.projectRoutes.prefix, pattern, id)
	c.Set(keyProject, p)
	c.Set(keyGroup, g)
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

// notFoundUnlessSignedOut: a signed-out visitor is asked to sign in rather
// than told whether the path exists.
func notFoundUnlessSignedOut(c echo.Context, err error) error {
	if err != models.ErrNotFound {
		return err
	}
	if viewer(c) == nil {
		return errSignInRequired
	}
	return errNotFound
}
