package graphqlapi

import (
	"context"
	"log/slog"
	"net/http"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"duoadmin/models"
)

// NewHandler serves GraphQL over HTTP: POST, and GET for queries, with
// introspection and the limits of limits.go. The caller authenticates the
// request and puts its user in the context (WithViewer).
func NewHandler(store *models.Store, d models.Deployment, log *slog.Logger) http.Handler {
	es := NewExecutableSchema(Config{Resolvers: &Resolver{Store: store, Deployment: d}, Complexity: complexityRoot()})
	srv := handler.New(es)
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](100))
	srv.Use(extension.Introspection{})
	srv.Use(queryLength{})
	srv.Use(&limits{})
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.Error("graphql resolver panicked", "path", graphql.GetPath(ctx).String(), "panic", v)
		return errInternal
	})
	return gitlabStatus(srv)
}

// queryLength refuses a query text over MaxQueryLength before parsing it.
type queryLength struct{}

func (queryLength) ExtensionName() string                   { return "QueryLength" }
func (queryLength) Validate(graphql.ExecutableSchema) error { return nil }
func (queryLength) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if n := utf8.RuneCountInString(p.Query); n > MaxQueryLength {
		return queryTooLong(n)
	}
	return nil
}

// gitlabStatus answers a query that does not parse or validate with 200
// and the errors, as GitLab does, where gqlgen says 422.
func gitlabStatus(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&statusWriter{ResponseWriter: w}, r)
	})
}

type statusWriter struct{ http.ResponseWriter }

func (w *statusWriter) WriteHeader(code int) {
	if code == http.StatusUnprocessableEntity {
		code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(code)
}
