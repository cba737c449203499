package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/handlers/graphqlapi"
)

// /api/graphql: the GitLab Duo part of GitLab's GraphQL API (package
// graphqlapi), with the /api/v4 tokens (apiAuth) and no session or CSRF.
// Anyone signed in may send a query; what each field shows or changes is
// decided by its resolver with the screens' rules, and what one may not
// see is null.

const graphqlPath = "/api/graphql"

func (s *Server) handleGraphQL(e *echo.Echo) {
	gql := graphqlapi.NewHandler(s.store, s.deployment, s.log)
	serve := func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > graphqlapi.MaxBodyBytes {
			return c.JSON(http.StatusRequestEntityTooLarge, graphqlErrors(
				fmt.Sprintf("Request body too large: at most %d bytes", graphqlapi.MaxBodyBytes)))
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, graphqlapi.MaxBodyBytes)
		ctx := graphqlapi.WithViewer(req.Context(), viewer(c))
		gql.ServeHTTP(c.Response(), req.WithContext(ctx))
		return nil
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		e.Add(method, graphqlPath, s.apiAuth(s.guard(SignedIn, nil, true, serve)))
		s.routeAccess[method+" "+graphqlPath] = SignedIn
	}
}

func graphqlErrors(msg string) map[string]any {
	return map[string]any{"errors": []map[string]string{{"message": msg}}}
}
