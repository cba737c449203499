package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"regexp"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pooled Postgres connections die under a running server: a restart, a
// failover, pg_terminate_backend, a proxy's idle timeout. database/sql
// discards a connection and retries the call on another (a new one after
// two tries) when the driver answers driver.ErrBadConn. pgx answers so
// only when it learns before sending: it pings a connection idle for over
// a second before reusing it. A connection used a moment ago, as every
// connection is under load, is found dead by the query itself, which
// fails ("terminating connection due to administrator command", 57P01, or
// an EOF): one failed request per pooled connection.
//
// openPostgres wraps pgx's connections so that such a failure becomes
// driver.ErrBadConn when trying again cannot repeat an effect:
//   - BEGIN, since nothing has happened in the transaction yet (this
//     covers every transaction, writes included);
//   - a read (SELECT, or WITH with no data-modifying word) outside a
//     transaction.
//
// Anything else keeps its error: a write outside a transaction may have
// landed before the connection died, and a transaction cannot go on over
// another connection. A failure counts as a dead connection when pgx has
// closed the connection over it while the caller's context is still live
// (a cancelled request also closes the connection, and must stay
// cancelled).
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(retryingConnector{stdlib.GetConnector(*cfg)}), nil
}

type retryingConnector struct{ driver.Connector }

func (c retryingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &retryingConn{conn.(*stdlib.Conn)}, nil
}

// retryingConn is pgx's connection (every method database/sql uses but
// these two is its own).
type retryingConn struct{ *stdlib.Conn }

func (c *retryingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	return tx, c.badConnIfDead(ctx, err)
}

func (c *retryingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	inTx := c.Conn.Conn().PgConn().TxStatus() != 'I'
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if err != nil && !inTx && isRead(query) {
		err = c.badConnIfDead(ctx, err)
	}
	return rows, err
}

func (c *retryingConn) badConnIfDead(ctx context.Context, err error) error {
	if err != nil && ctx.Err() == nil && c.Conn.Conn().IsClosed() {
		return driver.ErrBadConn
	}
	return err
}

var dataModifyingWord = regexp.MustCompile(`(?i)\b(insert|update|delete|merge|into)\b`)

// isRead is true for statements that only read. FOR UPDATE counts as a
// write: it is never worth the doubt.
func isRead(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	first := q
	if i := strings.IndexFunc(q, func(r rune) bool { return !unicode.IsLetter(r) }); i >= 0 {
		first = q[:i]
	}
	switch strings.ToUpper(first) {
	case "SELECT", "WITH":
		return !dataModifyingWord.MatchString(q)
	}
	return false
}
