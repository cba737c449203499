package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// The scopes of handlers/authz.go: each finds the resource a route names
// (in the path, a form field or the query), keeps it in the context for
// the handler, and says whether the viewer owns it. Nothing here writes a
// response: the rule decides, then the handler runs or not.

const (
	keyGroup      = "group"
	keyProject    = "project"
	keyPurchase   = "purchase"
	keyScopedPath = "scoped_path" // the full path dispatchGroup/dispatchProject read from the URL
)

func currentGroup(c echo.Context) *models.Group     { return c.Get(keyGroup).(*models.Group) }
func currentProject(c echo.Context) *models.Project { return c.Get(keyProject).(*models.Project) }
func currentPurchase(c echo.Context) *models.AddOnPurchase {
	return c.Get(keyPurchase).(*models.AddOnPurchase)
}

// currentGroupOrNil is the group a scope found, or nil where the route
// allows none (a top-level group has no parent).
func currentGroupOrNil(c echo.Context) *models.Group {
	g, _ := c.Get(keyGroup).(*models.Group)
	return g
}

func (s *Server) ownsGroup(ctx context.Context, v *models.User, g *models.Group) (bool, error) {
	if v == nil || v.Admin {
		return false, nil // admins need no ownership; nobody signed out has any
	}
	return s.store.OwnsGroup(ctx, v.ID, g)
}

func (s *Server) ownsProject(ctx context.Context, v *models.User, p *models.Project, g *models.Group) (bool, error) {
	if v == nil || v.Admin {
		return false, nil
	}
	return s.store.OwnsProject(ctx, v.ID, p, g)
}

// withGroup keeps g for the handler and says whether the viewer owns it.
func (s *Server) withGroup(c echo.Context, g *models.Group) (scoped, error) {
	c.Set(keyGroup, g)
	owns, err := s.ownsGroup(c.Request().Context(), viewer(c), g)
	return scoped{owns: owns}, err
}

func (s *Server) withProject(c echo.Context, p *models.Project) (scoped, error) {
	g, err := s.store.GroupByID(c.Request().Context(), p.NamespaceID)
	if err != nil {
		return scoped{}, err
	}
	c.Set(keyProject, p)
	c.Set(keyGroup, g)
	owns, err := s.ownsProject(c.Request().Context(), viewer(c), p, g)
	return scoped{owns: owns}, err
}

// groupInPath: /groups/<full path>/-/…
func groupInPath(s *Server, c echo.Context) (scoped, error) {
	path, _ := c.Get(keyScopedPath).(string)
	g, err := s.store.GroupByFullPath(c.Request().Context(), path)
	if err != nil {
		return scoped{}, err
	}
	return s.withGroup(c, g)
}

// projectInPath: /<namespace>/<project>[/-/…]; a path without a slash is
// no project.
func projectInPath(s *Server, c echo.Context) (scoped, error) {
	path, _ := c.Get(keyScopedPath).(string)
	if !strings.Contains(path, "/") {
		return scoped{}, models.ErrNotFound
	}
	p, err := s.store.ProjectByFullPath(c.Request().Context(), path)
	if err != nil {
		return scoped{}, err
	}
	return s.withProject(c, p)
}

// parentGroupIn is the group a new subgroup or project goes into, named by
// a form or query field (GitLab's parent_id / namespace_id). Creating in it
// is its owners' right. Without one, topLevel is the access that applies
// (the admin area creates top-level groups), or the route is a 404.
func parentGroupIn(field string, topLevel Access) scope {
	return func(s *Server, c echo.Context) (scoped, error) {
		raw := c.FormValue(field)
		if raw == "" {
			if topLevel == Public {
				return scoped{}, models.ErrNotFound
			}
			return scoped{access: topLevel}, nil
		}
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return scoped{}, models.ErrNotFound
		}
		g, err := s.store.GroupByID(c.Request().Context(), id)
		if err != nil {
			return scoped{}, err
		}
		sc, err := s.withGroup(c, g)
		sc.access = GroupOwner
		return sc, err
	}
}

// apiGroupID: /api/v4/groups/:id, a numeric id or a URL-encoded full path.
func apiGroupID(s *Server, c echo.Context) (scoped, error) {
	g, err := s.apiGroupByRef(c.Request().Context(), apiID(c))
	if err != nil {
		return scoped{}, err
	}
	return s.withGroup(c, g)
}

func (s *Server) apiGroupByRef(ctx context.Context, ref string) (*models.Group, error) {
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.store.GroupByID(ctx, n)
	}
	return s.store.GroupByFullPath(ctx, ref)
}

// apiProjectID: /api/v4/projects/:id.
func apiProjectID(s *Server, c echo.Context) (scoped, error) {
	ctx := c.Request().Context()
	id := apiID(c)
	var p *models.Project
	var err error
	if n, convErr := strconv.ParseInt(id, 10, 64); convErr == nil {
		p, err = s.store.ProjectByID(ctx, n)
	} else {
		p, err = s.store.ProjectByFullPath(ctx, id)
	}
	if err != nil {
		return scoped{}, err
	}
	return s.withProject(c, p)
}

// apiPurchaseID: /api/v4/add_on_purchases/:id.
//
// On self-managed every purchase is the instance's, even one that names a
// group (a file exported from GitLab.com can bring one): its routes are
// the admin area's (see routes.go), decided before the id is looked up,
// as on /admin/gitlab_duo, where group owners have no seat screens.
//
// On GitLab.com a purchase belongs to its top-level group's owners; one of
// the instance is the admin area's, and hidden from others.
func apiPurchaseID(s *Server, c echo.Context) (scoped, error) {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return scoped{}, models.ErrNotFound
	}
	p, err := s.store.PurchaseByID(ctx, id)
	if err != nil {
		return scoped{}, err
	}
	c.Set(keyPurchase, p)
	if s.deployment == models.SelfManaged {
		return scoped{}, nil
	}
	if p.NamespaceID == nil {
		return scoped{access: AdminArea, resource: true}, nil
	}
	g, err := s.store.GroupByID(ctx, *p.NamespaceID)
	if err != nil {
		return scoped{}, err
	}
	return s.withGroup(c, g)
}

// apiNamespaceQuery: ?namespace= (an id or a full path) names a top-level
// group whose owners may read its purchases; without it the instance's
// purchases are asked for, which is the admin area's (self-managed) or a
// request GitLab.com cannot answer.
func apiNamespaceQuery(s *Server, c echo.Context) (scoped, error) {
	raw := c.QueryParam("namespace")
	if raw == "" {
		if s.deployment == models.GitLabCom {
			return scoped{}, apiFail(http.StatusBadRequest, "namespace is missing")
		}
		return scoped{access: AdminArea}, nil
	}
	g, err := s.apiGroupByRef(c.Request().Context(), raw)
	if err != nil {
		return scoped{}, err
	}
	return s.withGroup(c, g)
}
