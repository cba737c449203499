package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// baselinePath is the access API's baseline, mounted where the API lives:
// under /api/v4, with the server's global middleware and, like the API,
// no session or CSRF (its own route on the Echo, so the product's token
// authentication does not run for it either: it does its own).
const baselinePath = "/api/v4/bench/baseline"

// The baseline answers the access API's question for the same user and
// resource the way a database engineer would by hand, in one statement:
// the token's active user, whether they hold a seat, whether they are a
// member of the resource (directly or through an ancestor group, read from
// the traversal path) and the resource's own GitLab Duo switch. It skips
// what the product adds (the feature catalogue, the cascade of settings,
// the explanation of the answer), so it is a floor, not a rival.
const (
	baselineProjectSQL = `SELECT EXISTS (SELECT 1 FROM seat_assignments sa WHERE sa.user_id = u.id)
			AND p.duo_features_enabled
			AND EXISTS (SELECT 1 FROM members m WHERE m.user_id = u.id AND NOT m.pending AND (
				(m.source_type = 'Project' AND m.source_id = p.id)
				OR (m.source_type = 'Namespace' AND m.source_id = ANY (string_to_array(rtrim(n.traversal_path, '/'), '/')::bigint[]))))
		FROM personal_access_tokens t JOIN users u ON u.id = t.user_id,
			projects p JOIN namespaces n ON n.id = p.namespace_id
		WHERE t.token_digest = $1 AND NOT t.revoked AND u.state = 'active' AND lower(p.full_path) = lower($2)`
	baselineGroupSQL = `SELECT EXISTS (SELECT 1 FROM seat_assignments sa WHERE sa.user_id = u.id)
			AND coalesce(n.duo_features_enabled, true)
			AND EXISTS (SELECT 1 FROM members m WHERE m.user_id = u.id AND NOT m.pending
				AND m.source_type = 'Namespace' AND m.source_id = ANY (string_to_array(rtrim(n.traversal_path, '/'), '/')::bigint[]))
		FROM personal_access_tokens t JOIN users u ON u.id = t.user_id, namespaces n
		WHERE t.token_digest = $1 AND NOT t.revoked AND u.state = 'active' AND lower(n.full_path) = lower($2)`
)

func (b *bench) baseline(c echo.Context) error {
	token := c.Request().Header.Get("PRIVATE-TOKEN")
	if !strings.HasPrefix(token, "glpat-") {
		return echo.NewHTTPError(http.StatusUnauthorized)
	}
	sum := sha256.Sum256([]byte(token))
	q, path := baselineProjectSQL, c.QueryParam("project")
	if path == "" {
		q, path = baselineGroupSQL, c.QueryParam("group")
	}
	var allowed bool
	err := b.db.QueryRowContext(c.Request().Context(), q, hex.EncodeToString(sum[:]), path).Scan(&allowed)
	if errors.Is(err, sql.ErrNoRows) {
		return c.JSON(http.StatusNotFound, map[string]string{"message": "404 Not Found"})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"allowed": allowed})
}
