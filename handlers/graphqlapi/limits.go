package graphqlapi

import (
	"context"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The limits GitLab puts on a query (docs.gitlab.com/api/graphql/#limits),
// for an authenticated caller (duoadmin has no anonymous GraphQL):
//
//   - depth at most 20 nested selections;
//   - complexity at most 250, 300 for administrators: every field costs 1
//     plus its selections, and a list of users costs its selection again
//     for each 100 rows it may return (GitLab's connection multiplier);
//   - query text at most 10,000 characters (MaxQueryLength);
//   - the request body at most MaxBodyBytes (the handler).
//
// Each refusal is a top-level error with GitLab's wording and no data.
const (
	MaxDepth                 = 20
	MaxComplexity            = 250
	MaxComplexityAdmin       = 300
	MaxQueryLength           = 10000
	MaxBodyBytes       int64 = 1 << 20
)

// limits is the gqlgen extension that enforces depth and complexity once
// the operation is parsed and validated, before anything runs.
type limits struct{ es graphql.ExecutableSchema }

func (limits) ExtensionName() string { return "GitLabLimits" }

func (l *limits) Validate(es graphql.ExecutableSchema) error {
	l.es = es
	return nil
}

func (l *limits) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	op := rc.Doc.Operations.ForName(rc.OperationName)
	if op == nil {
		return nil
	}
	if d := depth(op.SelectionSet, rc.Doc.Fragments, 0); d > MaxDepth {
		return gqlerror.Errorf("Query has depth of %d, which exceeds max depth of %d", d, MaxDepth)
	}
	limit := MaxComplexity
	if v := viewerOf(ctx); v != nil && v.Admin {
		limit = MaxComplexityAdmin
	}
	if c := complexity.Calculate(ctx, l.es, op, rc.Variables); c > limit {
		return gqlerror.Errorf("Query has complexity of %d, which exceeds max complexity of %d", c, limit)
	}
	return nil
}

// depth is the deepest chain of fields in set; fragments count as what
// they contain, and a fragment spread inside itself (which validation
// refuses anyway) stops at the depth limit.
func depth(set ast.SelectionSet, frags ast.FragmentDefinitionList, level int) int {
	deepest := level
	if level > MaxDepth {
		return level
	}
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = level + 1
			} else {
				d = depth(s.SelectionSet, frags, level+1)
			}
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, frags, level)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = depth(f.SelectionSet, frags, level)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// connectionComplexity is a user list's cost: its selections once more
// for each 100 rows first/last lets it return (100 when neither is given).
func connectionComplexity(child int, first, last *int) int {
	n := maxPageSize
	for _, v := range []*int{first, last} {
		if v != nil && *v >= 0 && *v < n {
			n = *v
		}
	}
	return 1 + child + child*n/maxPageSize
}

func complexityRoot() ComplexityRoot {
	var c ComplexityRoot
	users := func(child int, _ GitlabSubscriptionsAddOnType, _ []PurchaseID, _ *string, _ *GitlabSubscriptionsUserSort, _ *string, _, _ *string, first, last *int) int {
		return connectionComplexity(child, first, last)
	}
	c.Group.AddOnEligibleUsers = users
	c.Namespace.AddOnEligibleUsers = users
	c.Query.SelfManagedAddOnEligibleUsers = users
	return c
}

func queryTooLong(n int) *gqlerror.Error {
	return gqlerror.Errorf("Query too large: %d characters, at most %d", n, MaxQueryLength)
}
