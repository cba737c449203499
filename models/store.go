package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"duoadmin/migrations"
	"duoadmin/models/accesscache"
)

type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Store is the only way into the database. A Store made by Tx runs every
// query in that transaction.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	// opts are what it was opened with (options.go).
	opts Options
	// dummyHash is a password hash at opts.PasswordCost of a random secret:
	// unknown logins are checked against it (users.go).
	dummyHash []byte
	// settings caches the instance settings for the access hot path; nil
	// in transactions, which always read them fresh.
	settings *settingsCache
	// cache keeps the access API's reads while nothing they depend on has
	// changed (access_cache.go); nil in transactions, which read fresh.
	cache *accessCache
	// dsn is kept for the change listener's own connection (Postgres).
	dsn string
	// file is the SQLite file opened, checked before writes (sqlite_file.go).
	file *sqliteFile
}

var (
	ErrNotFound = errors.New("not found")
	// ErrSchemaBehind means migrations are pending; serving would break.
	ErrSchemaBehind = errors.New("database schema is behind: run `duoadmin migrate`")
)

// ParseDatabaseURL splits DATABASE_URL into dialect and driver DSN.
func ParseDatabaseURL(url string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return Postgres, url, nil
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return "", "", errors.New("sqlite: needs a file path, e.g. sqlite:data/duoadmin.db")
		}
		return SQLite, path, nil
	}
	return "", "", errors.New("must start with postgres:// or sqlite: (for example sqlite:data/duoadmin.db)")
}

// Open connects without migrating.
func Open(databaseURL string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	dialect, dsn, err := ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		SkipDefaultTransaction: true,
		TranslateError:         true,
	}
	var db *gorm.DB
	switch dialect {
	case Postgres:
		var pool *sql.DB
		if pool, err = openPostgres(withoutJIT(dsn)); err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		if db, err = gorm.Open(postgres.New(postgres.Config{Conn: pool}), cfg); err != nil {
			pool.Close()
		}
	case SQLite:
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate"
		db, err = gorm.Open(sqlite.Open(dsn), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// One writer at a time is all SQLite allows; a single connection
		// avoids "database is locked" between our own goroutines.
		sqlDB.SetMaxOpenConns(1)
	} else {
		// As many idle as open: with fewer, a burst of API calls closes
		// and reopens Postgres connections many times a second, each costing
		// milliseconds of CPU on both sides.
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	st := &Store{db: db, dialect: dialect, settings: &settingsCache{}, cache: newAccessCache(), opts: opts,
		dummyHash: newDummyHash(opts.PasswordCost)}
	if dialect == Postgres {
		st.dsn = withoutJIT(dsn)
	}
	if dialect == SQLite {
		if st.file = openedSQLiteFile(dsn); st.file != nil {
			if err := st.file.refuseWritesOnceChanged(db); err != nil {
				sqlDB.Close()
				return nil, err
			}
		}
	}
	return st, nil
}

// withoutJIT turns Postgres' JIT compiler off for our sessions unless the
// URL says otherwise: our statements are short, and on the seat table's
// count the planner's cost estimate made it spend 800 ms compiling a 400 ms
// query.
func withoutJIT(dsn string) string {
	if strings.Contains(dsn, "jit=") {
		return dsn
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&jit=off"
	}
	return dsn + "?jit=off"
}

func (s *Store) Dialect() Dialect { return s.dialect }

func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// SQLDB exposes the pool for health checks and benchmarks' baselines.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

// Ping tells whether the database answers. It asks SELECT 1 rather than
// calling database/sql's Ping, which does not try another connection when
// the pooled one it took turns out dead: readiness would fail for every
// dead connection while the database is fine (postgres_conn.go).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.file.check(); err != nil {
		return err
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	var one int
	return sqlDB.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (s *Store) migrationsFS() (fs.FS, error) {
	return fs.Sub(migrations.FS, string(s.dialect))
}

func (s *Store) goose() (*goose.Provider, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	fsys, err := s.migrationsFS()
	if err != nil {
		return nil, err
	}
	d := goose.DialectPostgres
	if s.dialect == SQLite {
		d = goose.DialectSQLite3
	}
	return goose.NewProvider(d, sqlDB, fsys)
}

// Migrate applies every pending migration and returns how many ran.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	p, err := s.goose()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// CheckSchema returns ErrSchemaBehind when a migration is pending.
func (s *Store) CheckSchema(ctx context.Context) error {
	p, err := s.goose()
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	if pending {
		return ErrSchemaBehind
	}
	return nil
}

// Tx runs fn in one transaction: everything fn does is written or nothing.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if err := s.file.check(); err != nil {
		return err
	}
	var changed *accesscache.Change
	err := s.db.WithContext(ctx).Transaction(func(gtx *gorm.DB) error {
		tx := &Store{db: gtx, dialect: s.dialect, opts: s.opts, dummyHash: s.dummyHash}
		if err := fn(tx); err != nil {
			return err
		}
		var err error
		if s.cache != nil {
			changed, err = tx.accessTablesChanged(ctx)
		}
		return err
	})
	if err == nil && changed != nil {
		// This process reads its own writes at once, without waiting for
		// the notification.
		s.cache.changed(*changed)
	}
	return err
}

// accessTablesChanged tells what the transaction changed of the tables the
// access cache or the cached instance settings depend on, nil for none: on
// Postgres the tables' triggers mark the transaction with what they
// notify (migrations 00014, 00030), so the many commits that touch none of
// them (sign-in throttling, usage events) keep the cache, and a seat change
// retires its user's entries only. SQLite has no such trigger: any write
// may have changed anything.
func (s *Store) accessTablesChanged(ctx context.Context) (*accesscache.Change, error) {
	if s.dialect != Postgres {
		return &accesscache.Everything, nil
	}
	var mark *string
	if err := s.q(ctx).Raw("SELECT current_setting('duoadmin.access_changed', true)").Scan(&mark).Error; err != nil {
		return nil, err
	}
	if mark == nil || *mark == "" {
		return nil, nil
	}
	c := accesscache.ParseChange(*mark)
	return &c, nil
}

func (s *Store) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// first loads one row into dst, mapping "no row" to ErrNotFound.
func first[T any](q *gorm.DB) (*T, error) {
	var v T
	if err := q.Take(&v).Error; err != nil {
		return nil, notFound(err)
	}
	return &v, nil
}

// IsUniqueViolation tells a duplicate-key error from other failures.
func IsUniqueViolation(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// likeEscape makes user text match literally inside LIKE.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// clauseExpr is an ORDER BY with bound values.
func clauseExpr(sql string, vars ...any) clause.OrderBy {
	return clause.OrderBy{Expression: clause.Expr{SQL: sql, Vars: vars, WithoutParentheses: true}}
}
