// Package graphqlapi serves the GitLab Duo part of GitLab's GraphQL API at
// /api/graphql: schema-first with gqlgen (schema.graphqls), resolvers that
// call the Store and decide with the same rules as the screens.
package graphqlapi

//go:generate go tool gqlgen generate --config gqlgen.yml
