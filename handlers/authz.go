package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// Access is who may use a route. Every route names one; the decision is
// made here and nowhere else.
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

// decide is the authorization rule: nil, or 404 for what the viewer may
// not see (as GitLab hides it) and 403 for what they see but may not change.
func decide(v *models.User, a Access, ownsResource, write bool) error {
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

// errSignInRequired sends signed-out visitors to the sign-in page.
var errSignInRequired = echo.NewHTTPError(http.StatusUnauthorized)

// guard wraps a handler with the route's access rule (for routes whose
// resource, if any, the handler checks itself through authorizeGroup).
func (s *Server) guard(a Access, h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := decide(viewer(c), a, false, isWrite(c)); err != nil {
			return s.denied(c, err)
		}
		return h(c)
	}
}

// denied turns a sign-in requirement into a redirect for browsers.
func (s *Server) denied(c echo.Context, err error) error {
	if err != errSignInRequired {
		return err
	}
	if isAPI(c) {
		return echo.NewHTTPError(http.StatusUnauthorized)
	}
	if isWrite(c) {
		return errForbidden
	}
	if isPageLoad(c) {
		session(c).Values["return_to"] = c.Request().URL.RequestURI()
		_ = s.saveSession(c)
	}
	return c.Redirect(http.StatusFound, "/users/sign_in")
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

// authorizeGroup checks the viewer against a group they asked for.
func (s *Server) authorizeGroup(c echo.Context, g *models.Group, write bool) error {
	v := viewer(c)
	owns := false
	if v != nil && !v.Admin {
		var err error
		if owns, err = s.store.OwnsGroup(c.Request().Context(), v.ID, g); err != nil {
			return err
		}
	}
	return s.denied(c, decide(v, GroupOwner, owns, write))
}

func (s *Server) authorizeProject(c echo.Context, p *models.Project, g *models.Group, write bool) error {
	v := viewer(c)
	owns := false
	if v != nil && !v.Admin {
		var err error
		if owns, err = s.store.OwnsProject(c.Request().Context(), v.ID, p, g); err != nil {
			return err
		}
	}
	return s.denied(c, decide(v, ProjectOwner, owns, write))
}

func safeReturnTo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.IsAbs() || u.Host != "" || len(raw) == 0 || raw[0] != '/' || (len(raw) > 1 && raw[1] == '/') {
		return "/"
	}
	return raw
}
