package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// Access is who may use a route. Every route names one; the decision is
// made here, once, before the route's handler runs, and nowhere else.
type Access int

const (
	// Public needs no sign-in.
	Public Access = iota
	// SignedIn is any signed-in user acting on their own things.
	SignedIn
	// AdminArea: admins do anything, auditors read.
	AdminArea
	// GroupOwner: admins and owners of the group (or an ancestor) act,
	// auditors read.
	GroupOwner
	// ProjectOwner: as GroupOwner, for a project and its groups.
	ProjectOwner
)

func (a Access) String() string {
	return [...]string{"public", "signed_in", "admin_area", "group_owner", "project_owner"}[a]
}

func isWrite(c echo.Context) bool {
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// decide is the authorization rule: nil, or why the request is refused —
// errSignInRequired for a signed-out visitor, 404 for what the viewer may
// not see (as GitLab hides it), 403 for what they see but may not change.
// In the API, GitLab answers 403 for the instance's own endpoints: their
// existence is public knowledge (knownEndpoint), so there is nothing to hide.
func decide(v *models.User, a Access, ownsResource, write, knownEndpoint bool) error {
	if a == Public {
		return nil
	}
	if v == nil {
		return errSignInRequired
	}
	canSee, canChange := false, false
	switch a {
	case SignedIn:
		canSee, canChange = true, true
	case AdminArea:
		canSee, canChange = v.Admin || v.Auditor, v.Admin
		if knownEndpoint && !canSee {
			return errForbidden
		}
	case GroupOwner, ProjectOwner:
		canSee, canChange = v.Admin || v.Auditor || ownsResource, v.Admin || ownsResource
	}
	if !canSee {
		return errNotFound
	}
	if write && !canChange {
		return errForbidden
	}
	return nil
}

// errSignInRequired is a denial like the others: it stops the request, and
// handleError answers it — a redirect to the sign-in page with an empty
// body for a page, 401 in the API, 403 for a form post.
var errSignInRequired = echo.NewHTTPError(http.StatusUnauthorized)

// A scope finds the resource a route is about before anything else runs,
// keeps it in the context for the handler, and tells the rule what it
// needs to know: whether the viewer owns it, and the access it calls for
// when that differs from the route's (an instance-wide purchase is the
// admin area's, a group's purchase its owners').
type scope func(s *Server, c echo.Context) (scoped, error)

type scoped struct {
	owns     bool
	access   Access // zero value Public means "the route's own"
	resource bool   // access names one resource (hidden when refused), not an endpoint
}

// guard runs a route's rule and, only when it allows the request, its
// handler. Every route goes through it: a denial returns before h.
// api tells an /api/v4 route, whose instance-wide endpoints are public
// knowledge (refused with 403, not hidden).
func (s *Server) guard(routeAccess Access, sc scope, api bool, h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := viewer(c)
		if routeAccess != Public && v == nil {
			// Signed out: asked to sign in before anything is looked up,
			// so whether the resource exists is not told either.
			return errSignInRequired
		}
		access, owns, knownEndpoint := routeAccess, false, api
		if !dependsOnResource(routeAccess) {
			// Who may use the route does not depend on what it names:
			// decided before anything is looked up, so a refusal says
			// nothing of which ids exist.
			if err := decide(v, routeAccess, false, isWrite(c), knownEndpoint); err != nil {
				return err
			}
		}
		if sc != nil {
			got, err := sc(s, c)
			if err != nil {
				return notFoundFor(c, err)
			}
			owns = got.owns
			if got.access != Public {
				access = got.access
			}
			// A resource the viewer may not see is hidden, even in the API.
			knownEndpoint = knownEndpoint && !got.resource
		}
		if err := decide(v, access, owns, isWrite(c), knownEndpoint); err != nil {
			return err
		}
		if s.afterAuthorization != nil {
			s.afterAuthorization(c.Request())
		}
		return h(c)
	}
}

func dependsOnResource(a Access) bool { return a == GroupOwner || a == ProjectOwner }

// notFoundFor: a resource that does not exist and one the viewer may not
// see give the same answer.
func notFoundFor(c echo.Context, err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return errNotFound
	}
	return err
}

// signInRedirect answers errSignInRequired for a page: remember where to
// return (for a navigation, not for a favicon or an image the page asks
// for), then redirect with an empty body.
func (s *Server) signInRedirect(c echo.Context) {
	if isPageLoad(c) {
		session(c).Values["return_to"] = c.Request().URL.RequestURI()
		_ = s.saveSession(c)
	}
	c.Response().Header().Set(echo.HeaderLocation, "/users/sign_in")
	c.Response().WriteHeader(http.StatusFound)
}

// isPageLoad tells a navigation from the requests a page makes for itself
// (a favicon, an image), which must not replace where sign-in returns to.
func isPageLoad(c echo.Context) bool {
	switch c.Request().Header.Get("Sec-Fetch-Dest") {
	case "", "document":
		return true
	}
	return false
}

func safeReturnTo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.IsAbs() || u.Host != "" || len(raw) == 0 || raw[0] != '/' || (len(raw) > 1 && raw[1] == '/') {
		return "/"
	}
	return raw
}
