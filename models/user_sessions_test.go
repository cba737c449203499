package models_test

import (
	"context"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/storetest"
)

func mkSession(t *testing.T, s *models.Store, u *models.User, token string, now time.Time) {
	t.Helper()
	if err := s.CreateSession(context.Background(), models.NewSession{Token: token, UserID: u.ID, Data: []byte("values"),
		UserAgent: "Firefox", IPAddress: "192.0.2.7"}, now); err != nil {
		t.Fatal(err)
	}
}

func sessionLive(t *testing.T, s *models.Store, token string, now time.Time) bool {
	t.Helper()
	_, err := s.SessionByToken(context.Background(), token, now)
	if err != nil && err != models.ErrNotFound {
		t.Fatal(err)
	}
	return err == nil
}

func TestSessionsExpireAndTheJobDeletesThem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		dev := mkUser(t, s, "dev", models.StateActive, false)
		now := time.Now().UTC().Truncate(time.Second)
		mkSession(t, s, dev, "idle", now)
		mkSession(t, s, dev, "busy", now)

		// Used every few days, a session lives on until its maximum lifetime.
		for at := now; at.Before(now.Add(models.SessionMaxLifetime - time.Hour)); at = at.Add(5 * 24 * time.Hour) {
			if !sessionLive(t, s, "busy", at) {
				t.Fatalf("a session used every 5 days ended at %s", at.Sub(now))
			}
		}
		if sessionLive(t, s, "busy", now.Add(models.SessionMaxLifetime+time.Minute)) {
			t.Fatal("a session outlived its maximum lifetime")
		}
		if !sessionLive(t, s, "idle", now.Add(models.SessionIdleTimeout-time.Minute)) {
			t.Fatal("a session ended before its idle timeout")
		}
		if sessionLive(t, s, "idle", now.Add(2*models.SessionIdleTimeout)) {
			t.Fatal("an idle session outlived its timeout")
		}

		job, ok := models.JobByName("session_cleanup")
		if !ok || job.Every > 24*time.Hour {
			t.Fatalf("session_cleanup job %+v", job)
		}
		mkSession(t, s, dev, "fresh", now.Add(models.SessionMaxLifetime))
		summary, err := job.Run(ctx, s, now.Add(models.SessionMaxLifetime+time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if summary != "deleted 2 expired session(s) and 0 stale sign-in counter(s)" {
			t.Fatalf("summary %q", summary)
		}
		list, err := s.ActiveSessions(ctx, dev.ID, "", now.Add(models.SessionMaxLifetime))
		if err != nil || len(list) != 1 {
			t.Fatalf("left %d sessions (%v), want the fresh one", len(list), err)
		}
	})
}

// The last use is written at most once a minute, so a page load is a read.
func TestSessionLastUseIsThrottled(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		dev := mkUser(t, s, "dev", models.StateActive, false)
		now := time.Now().UTC().Truncate(time.Second)
		mkSession(t, s, dev, "tok", now)
		lastUse := func() time.Time {
			list, err := s.ActiveSessions(ctx, dev.ID, "", now)
			if err != nil || len(list) != 1 {
				t.Fatalf("%v %v", list, err)
			}
			return list[0].LastUsedAt.UTC()
		}
		sessionLive(t, s, "tok", now.Add(30*time.Second))
		if got := lastUse(); !got.Equal(now) {
			t.Fatalf("last use written after 30 s: %s", got)
		}
		sessionLive(t, s, "tok", now.Add(90*time.Second))
		if got := lastUse(); !got.Equal(now.Add(90 * time.Second)) {
			t.Fatalf("last use %s after 90 s, want %s", got, now.Add(90*time.Second))
		}
	})
}

// Whatever changes what a session was started on ends all the user's
// sessions, in the same transaction: a password change, a block, a ban, a
// deactivation, in the admin's forms and in an import.
func TestUserChangesEndTheirSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		now := time.Now()
		dev := mkUser(t, s, "dev", models.StateActive, false)
		bystander := mkUser(t, s, "bystander", models.StateActive, false)
		mkSession(t, s, bystander, "bystander", now)
		signIn := func() {
			mkSession(t, s, dev, "a", now)
			mkSession(t, s, dev, "b", now)
		}
		wantEnded := func(what string) {
			t.Helper()
			if sessionLive(t, s, "a", now) || sessionLive(t, s, "b", now) {
				t.Fatalf("%s left the user's sessions", what)
			}
			if !sessionLive(t, s, "bystander", now) {
				t.Fatalf("%s ended another user's session", what)
			}
		}

		signIn()
		in := models.UserInput{Username: "dev", Name: "dev", Email: "dev@example.com"}
		if _, err := s.UpdateUser(ctx, tester, dev.ID, in); err != nil {
			t.Fatal(err)
		}
		if !sessionLive(t, s, "a", now) {
			t.Fatal("an edit that kept the password ended the sessions")
		}
		in.Password = "a-new-password"
		if _, err := s.UpdateUser(ctx, tester, dev.ID, in); err != nil {
			t.Fatal(err)
		}
		wantEnded("a password change")

		for _, st := range []models.UserState{models.StateBlocked, models.StateBanned, models.StateDeactivated} {
			signIn()
			if _, err := s.SetUserState(ctx, tester, dev.ID, st); err != nil {
				t.Fatal(err)
			}
			wantEnded(string(st))
			if _, err := s.SetUserState(ctx, tester, dev.ID, models.StateActive); err != nil {
				t.Fatal(err)
			}
		}

		signIn()
		mustImport(t, s, &orgfile.Document{Users: []orgfile.UserDoc{{Username: "dev", Name: "dev", Email: "dev@example.com", Password: "another-password"}}})
		wantEnded("an imported password")
		signIn()
		mustImport(t, s, &orgfile.Document{Users: []orgfile.UserDoc{{Username: "dev", Name: "dev", Email: "dev@example.com", State: models.StateBlocked}}})
		wantEnded("an imported block")
	})
}

func TestRevokeUserSessionsIsAudited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		now := time.Now()
		dev := mkUser(t, s, "dev", models.StateActive, false)
		mkSession(t, s, dev, "a", now)
		mkSession(t, s, dev, "b", now)
		n, err := s.RevokeUserSessions(ctx, tester, dev.ID)
		if err != nil || n != 2 {
			t.Fatalf("revoked %d (%v), want 2", n, err)
		}
		if sessionLive(t, s, "a", now) || sessionLive(t, s, "b", now) {
			t.Fatal("sessions survived the revocation")
		}
		evs, err := s.AuditEventsFor(ctx, "User", dev.ID, 1)
		if err != nil || len(evs) != 1 || evs[0].Action != "user_sessions_revoked" || evs[0].Details != `{"sessions":2}` {
			t.Fatalf("audit %+v %v", evs, err)
		}
	})
}

// A user signing in again and again keeps at most MaxSessionsPerUser
// sessions: the least recently used end.
func TestSessionsPerUserAreCapped(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	dev := mkUser(t, s, "dev", models.StateActive, false)
	now := time.Now()
	for i := range models.MaxSessionsPerUser + 2 {
		mkSession(t, s, dev, "tok"+string(rune('A'+i%26))+string(rune('A'+i/26)), now.Add(time.Duration(i)*time.Second))
	}
	n, err := s.CountActiveSessions(context.Background(), dev.ID, now)
	if err != nil || n != models.MaxSessionsPerUser {
		t.Fatalf("%d sessions (%v), want %d", n, err, models.MaxSessionsPerUser)
	}
	if sessionLive(t, s, "tokAA", now) || !sessionLive(t, s, "tokCA", now) {
		t.Fatal("the oldest sessions should end first")
	}
}
