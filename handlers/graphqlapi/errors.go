package graphqlapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// GitLab's answer for an object one may not see or change, and for one
// that does not exist: the same words, so they cannot be told apart.
const notAvailableMessage = "The resource that you are attempting to access does not exist or you don't have permission to perform this action"

// publicError is an error whose text the caller may read. Anything else a
// resolver returns is the server's problem: logged, and answered with
// "Internal server error" so no SQL or path leaks.
type publicError struct{ msg string }

func (e *publicError) Error() string { return e.msg }

func public(msg string) error { return &publicError{msg: msg} }

var errNotAvailable = public(notAvailableMessage)

// errInternal is what the caller reads of the server's own failures.
var errInternal = public("Internal server error")

// presentError is the server's ErrorPresenter.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var pe *publicError
		var ge *gqlerror.Error
		switch {
		case errors.As(err, &pe):
			return gqlerror.WrapPath(graphql.GetPath(ctx), pe)
		case errors.As(err, &ge) && ge.Err == nil:
			// The parser's, the validator's and the scalars' own errors.
			return graphql.DefaultErrorPresenter(ctx, err)
		case errors.As(err, &ge) && isPublicCause(ge.Err):
			return graphql.DefaultErrorPresenter(ctx, err)
		}
		log.Error("graphql resolver failed", "path", graphql.GetPath(ctx).String(), "error", err.Error())
		return gqlerror.WrapPath(graphql.GetPath(ctx), errInternal)
	}
}

// isPublicCause: an argument a scalar refused (a malformed global id) is
// the caller's mistake, told in its words.
func isPublicCause(err error) bool {
	var pe *publicError
	var ie *inputError
	return errors.As(err, &pe) || errors.As(err, &ie)
}

// inputError is what the scalars answer for a value they cannot read.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func inputErrorf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}
