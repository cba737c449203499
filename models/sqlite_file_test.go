package models_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func openSQLiteAt(t *testing.T, path string) *models.Store {
	t.Helper()
	s, err := models.Open("sqlite:"+path, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// wantRefused: the store no longer writes to the file it opened, which
// nobody will read again, and says so in a way handlers answer with 503.
func wantRefused(t *testing.T, s *models.Store, what string) {
	t.Helper()
	ctx := context.Background()
	if err := s.Ping(ctx); !errors.Is(err, models.ErrDatabaseFileChanged) {
		t.Fatalf("%s: ping %v", what, err)
	}
	_, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "lost", Name: "Lost"})
	if !errors.Is(err, models.ErrDatabaseFileChanged) || !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("%s: a transaction's write: %v", what, err)
	}
	// Outside a transaction too (the mail worker's bookkeeping).
	if err := s.MarkEmailSent(ctx, 1, time.Now()); !errors.Is(err, models.ErrDatabaseFileChanged) {
		t.Fatalf("%s: a write outside a transaction: %v", what, err)
	}
	// Reads still answer, from the file that was open.
	if _, err := s.GroupByFullPath(ctx, "lost"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("%s: read %v", what, err)
	}
}

func TestSQLiteRefusesWritesWhenItsFileWasDeleted(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "duo.db")
	s := openSQLiteAt(t, path)
	ctx := context.Background()
	if _, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "kept", Name: "Kept"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		_ = os.Remove(f)
	}
	wantRefused(t, s, "deleted")
}

func TestSQLiteRefusesWritesWhenItsFileWasReplaced(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "duo.db")
	s := openSQLiteAt(t, path)
	// A restore: another database file moved over the one being served.
	restored := openSQLiteAt(t, filepath.Join(dir, "restore.db"))
	restored.Close()
	if err := os.Rename(filepath.Join(dir, "restore.db"), path); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, s, "replaced")
}
