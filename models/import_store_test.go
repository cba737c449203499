package models_test

import (
	"context"
	"errors"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The demo loads only into an empty database; LockForImport is where
// that is decided, inside the import's transaction.
func TestLockForImportRefusesADatabaseWithUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		lock := func(intoEmpty bool) error {
			return s.Tx(ctx, func(tx *models.Store) error { return tx.LockForImport(ctx, intoEmpty) })
		}
		if err := lock(true); err != nil {
			t.Fatalf("empty database: %v", err)
		}
		if _, err := s.CreateUser(ctx, tester, models.UserInput{Username: "ada", Name: "Ada", Email: "ada@example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := lock(true); !errors.Is(err, models.ErrDatabaseNotEmpty) {
			t.Fatalf("with a user: %v, want ErrDatabaseNotEmpty", err)
		}
		if err := lock(false); err != nil {
			t.Fatalf("a plain import: %v", err)
		}
		// The lookups match case-insensitively, as the unique indexes do.
		users, err := s.UsersByLowerUsername(ctx, []string{"ada", "nobody"})
		if err != nil || len(users) != 1 || users[0].Username != "ada" {
			t.Fatalf("UsersByLowerUsername = %v, %v", users, err)
		}
		if _, err := s.MembersOfSources(ctx, "Namespace; DROP", []int64{1}); err == nil {
			t.Fatal("an unknown source type was accepted")
		}
	})
}
