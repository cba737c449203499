package graphqlapi

import (
	"context"

	"duoadmin/models"
)

// Resolver is the root of the resolvers: the Store and the deployment. The
// signed-in user travels in the request's context (WithViewer).
type Resolver struct {
	Store      *models.Store
	Deployment models.Deployment
}

type viewerKey struct{}

// WithViewer keeps the token's user for the resolvers.
func WithViewer(ctx context.Context, u *models.User) context.Context {
	return context.WithValue(ctx, viewerKey{}, u)
}

func viewerOf(ctx context.Context) *models.User {
	u, _ := ctx.Value(viewerKey{}).(*models.User)
	return u
}
