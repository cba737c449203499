package models

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"gorm.io/gorm"
)

// An SQLite database is a file the server keeps open. Deleted or replaced
// under the running server (an rm, a restore moved over it), the open
// file lives on unseen: reads answer from it and writes land in it, to be
// lost when the server stops. So the Store remembers which file it opened
// and, before each write and at readiness, checks that the path still
// names that file (same device and inode); if not, it refuses.

// ErrDatabaseFileChanged is that refusal. It wraps driver.ErrBadConn: as
// with a lost connection the database cannot be used right now, and
// handlers answer 503.
var ErrDatabaseFileChanged error = databaseFileChanged{}

type databaseFileChanged struct{}

func (databaseFileChanged) Error() string {
	return "the SQLite database file was deleted or replaced while the server was running; " +
		"writes would be lost, so none are made: restart the server to open the file that is there now"
}

func (databaseFileChanged) Unwrap() error { return driver.ErrBadConn }

// sqliteFile is the file a Store opened; nil for an in-memory database.
type sqliteFile struct {
	path   string
	opened os.FileInfo
}

// openedSQLiteFile notes the file behind dsn (a path, maybe "file:" and
// "?options"), which opening the database has created if needed.
func openedSQLiteFile(dsn string) *sqliteFile {
	path := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	return &sqliteFile{path: path, opened: fi}
}

// check is nil while the path still names the file the Store opened.
func (f *sqliteFile) check() error {
	if f == nil {
		return nil
	}
	now, err := os.Stat(f.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ErrDatabaseFileChanged
	case err != nil:
		return fmt.Errorf("check the SQLite database file: %w", err)
	case !os.SameFile(f.opened, now):
		return ErrDatabaseFileChanged
	}
	return nil
}

// refuseWritesOnceChanged runs check before every statement that writes:
// gorm's create, update and delete, and Exec. Transactions check when
// they begin (Store.Tx), which also covers writes read back with Scan.
func (f *sqliteFile) refuseWritesOnceChanged(db *gorm.DB) error {
	refuse := func(tx *gorm.DB) {
		if err := f.check(); err != nil {
			_ = tx.AddError(err)
		}
	}
	cb := db.Callback()
	return errors.Join(
		cb.Create().Before("gorm:create").Register("duoadmin:sqlite_file", refuse),
		cb.Update().Before("gorm:update").Register("duoadmin:sqlite_file", refuse),
		cb.Delete().Before("gorm:delete").Register("duoadmin:sqlite_file", refuse),
		cb.Raw().Before("gorm:raw").Register("duoadmin:sqlite_file", refuse),
	)
}
