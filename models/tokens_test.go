package models_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func TestUserByToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		u := mkUser(t, s, "dev", models.StateActive, false)
		token, err := s.CreatePersonalAccessToken(ctx, tester, u, "ide", nil)
		if err != nil {
			t.Fatal(err)
		}
		var updates atomic.Int32
		s.OnStatement(func(sql string) {
			if strings.HasPrefix(sql, "UPDATE") {
				updates.Add(1)
			}
		})
		got, err := s.UserByToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		// Every column of the user, as UserByID reads it.
		want, err := s.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("UserByToken %+v, UserByID %+v", got, want)
		}
		// The first use is recorded, the next within a minute is not.
		if updates.Load() != 1 {
			t.Errorf("first use: %d updates", updates.Load())
		}
		if _, err := s.UserByToken(ctx, token); err != nil {
			t.Fatal(err)
		}
		if updates.Load() != 1 {
			t.Errorf("second use: %d updates", updates.Load())
		}
		db, _ := s.SQLDB()
		lastUsed := func() time.Time {
			t.Helper()
			var at time.Time
			if err := db.QueryRow("SELECT last_used_at FROM personal_access_tokens WHERE user_id = $1", u.ID).Scan(&at); err != nil {
				t.Fatal(err)
			}
			return at
		}
		old := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Second)
		if _, err := db.Exec("UPDATE personal_access_tokens SET last_used_at = $1", old); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByToken(ctx, token); err != nil {
			t.Fatal(err)
		}
		if at := lastUsed(); !at.After(old.Add(time.Minute)) {
			t.Errorf("a use after two minutes left last_used_at at %s", at)
		}

		// Not found: another prefix, an unknown token, an expired or
		// revoked one, a blocked user's.
		for _, bad := range []string{"", "abc", "glpat-unknown", strings.TrimPrefix(token, "glpat-")} {
			if _, err := s.UserByToken(ctx, bad); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%q: %v", bad, err)
			}
		}
		yesterday := models.Today().AddDays(-1)
		expired, err := s.CreatePersonalAccessToken(ctx, tester, u, "old", &yesterday)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByToken(ctx, expired); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("expired token: %v", err)
		}
		if _, err := db.Exec("UPDATE personal_access_tokens SET revoked = true WHERE name = 'ide'"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByToken(ctx, token); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("revoked token: %v", err)
		}
		other, err := s.CreatePersonalAccessToken(ctx, tester, u, "other", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetUserState(ctx, tester, u.ID, models.StateBlocked); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByToken(ctx, other); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("blocked user's token: %v", err)
		}
	})
}
