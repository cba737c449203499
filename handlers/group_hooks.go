package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/webhooks"
)

// groupHooks: on GitLab.com the owners of a top-level group register
// webhooks for its purchases' seat events; subgroups and self-managed have
// no such page (404).
func (s *Server) groupHooks(c echo.Context) (hooksScope, error) {
	g := currentGroup(c)
	if s.deployment != models.GitLabCom || !g.TopLevel() {
		return hooksScope{}, errNotFound
	}
	id := g.ID
	return hooksScope{
		namespaceID: &id,
		view:        webhooks.Scope{Base: "/groups/" + g.FullPath + "/-/hooks", Title: "Webhooks", Kind: "webhook"},
		nav:         s.groupNav(g, "Webhooks"),
		crumbs:      groupCrumbs(nil, g),
	}, nil
}

// inGroupHooks runs h on the group's hooks scope.
func (s *Server) inGroupHooks(h func(echo.Context, hooksScope) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		hs, err := s.groupHooks(c)
		if err != nil {
			return err
		}
		return h(c, hs)
	}
}

// GET /groups/:path/-/hooks (the other hook routes are inGroupHooks over the shared handlers)
func (s *Server) getGroupHooks(c echo.Context) error {
	return s.inGroupHooks(func(c echo.Context, hs hooksScope) error { return s.showHooks(c, hs, http.StatusOK, "", nil) })(c)
}
