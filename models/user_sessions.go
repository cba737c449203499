package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Signed-in sessions of the web UI, kept in the database so that every app
// instance sees a sign-out or a revocation at once. The cookie carries a
// random token; only its SHA-256 is stored.
const (
	// SessionIdleTimeout ends a session this long after it was last used.
	SessionIdleTimeout = 7 * 24 * time.Hour
	// SessionMaxLifetime ends a session this long after sign-in, used or not.
	SessionMaxLifetime = 30 * 24 * time.Hour
	// SessionTouchEvery: last use is written at most this often per
	// session, so a page load is a read and not a write.
	SessionTouchEvery = time.Minute
	// MaxSessionsPerUser: a new sign-in ends the least recently used
	// sessions beyond this many (GitLab keeps 100).
	MaxSessionsPerUser = 100
)

type UserSession struct {
	ID         int64
	TokenHash  string
	UserID     int64
	Data       []byte // the session's values (CSRF token, flashes), gob
	UserAgent  string
	IPAddress  string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
}

func (UserSession) TableName() string { return "user_sessions" }

func sessionTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sessionExpiry is when a session used at lastUsed ends: idle timeout or
// maximum lifetime, whichever comes first.
func sessionExpiry(createdAt, lastUsed time.Time) time.Time {
	idle, max := lastUsed.Add(SessionIdleTimeout), createdAt.Add(SessionMaxLifetime)
	if idle.Before(max) {
		return idle
	}
	return max
}

// NewSession is a sign-in's session: the token the cookie carries and who
// signed in from where.
type NewSession struct {
	Token     string
	UserID    int64
	Data      []byte
	UserAgent string
	IPAddress string
}

// CreateSession stores a signed-in session.
func (s *Store) CreateSession(ctx context.Context, in NewSession, now time.Time) error {
	now = now.UTC()
	row := UserSession{TokenHash: sessionTokenHash(in.Token), UserID: in.UserID, Data: in.Data,
		UserAgent: headerText(in.UserAgent, 512), IPAddress: headerText(in.IPAddress, 64),
		CreatedAt: now, LastUsedAt: now, ExpiresAt: sessionExpiry(now, now)}
	if err := s.q(ctx).Create(&row).Error; err != nil {
		return err
	}
	// Beyond the limit, the least recently used sessions end.
	return s.q(ctx).Exec(`DELETE FROM user_sessions WHERE user_id = ? AND id NOT IN
		(SELECT id FROM user_sessions WHERE user_id = ? ORDER BY last_used_at DESC, id DESC LIMIT ?)`,
		in.UserID, in.UserID, MaxSessionsPerUser).Error
}

// SessionByToken is the live session the token belongs to (ErrNotFound
// when it never existed, ended or expired). It records the use at most
// once per SessionTouchEvery.
func (s *Store) SessionByToken(ctx context.Context, token string, now time.Time) (*UserSession, error) {
	now = now.UTC()
	row, err := first[UserSession](s.q(ctx).Where("token_hash = ? AND expires_at > ?", sessionTokenHash(token), now))
	if err != nil {
		return nil, err
	}
	if now.Sub(row.LastUsedAt) >= SessionTouchEvery {
		row.LastUsedAt, row.ExpiresAt = now, sessionExpiry(row.CreatedAt, now)
		if err := s.q(ctx).Model(&UserSession{}).Where("id = ?", row.ID).
			Updates(map[string]any{"last_used_at": row.LastUsedAt, "expires_at": row.ExpiresAt}).Error; err != nil {
			return nil, err
		}
	}
	return row, nil
}

// SaveSessionData replaces a live session's values. It reports false when
// the session has ended meanwhile (signed out elsewhere, revoked): it is
// never brought back.
func (s *Store) SaveSessionData(ctx context.Context, token string, userID int64, data []byte) (bool, error) {
	res := s.q(ctx).Model(&UserSession{}).Where("token_hash = ? AND user_id = ?", sessionTokenHash(token), userID).
		Update("data", data)
	return res.RowsAffected == 1, res.Error
}

// EndSession deletes the token's session (sign-out): no instance accepts
// it afterwards.
func (s *Store) EndSession(ctx context.Context, token string) error {
	return s.q(ctx).Where("token_hash = ?", sessionTokenHash(token)).Delete(&UserSession{}).Error
}

// ActiveSession is one of a user's live sessions, as their Active sessions
// page lists it.
type ActiveSession struct {
	UserSession
	// Current is the session the page was asked with.
	Current bool
}

// ActiveSessions lists a user's live sessions, the one of currentToken
// first, then by last use.
func (s *Store) ActiveSessions(ctx context.Context, userID int64, currentToken string, now time.Time) ([]ActiveSession, error) {
	var rows []UserSession
	err := s.q(ctx).Where("user_id = ? AND expires_at > ?", userID, now.UTC()).
		Order("last_used_at DESC, id DESC").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	current := sessionTokenHash(currentToken)
	out := make([]ActiveSession, 0, len(rows))
	for _, r := range rows {
		a := ActiveSession{UserSession: r, Current: r.TokenHash == current}
		if a.Current {
			out = append([]ActiveSession{a}, out...)
		} else {
			out = append(out, a)
		}
	}
	return out, nil
}

// CountActiveSessions is how many live sessions a user has.
func (s *Store) CountActiveSessions(ctx context.Context, userID int64, now time.Time) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&UserSession{}).Where("user_id = ? AND expires_at > ?", userID, now.UTC()).Count(&n).Error
	return n, err
}

// ErrCurrentSession: a user's current session is ended by signing out, not
// from the list of sessions.
var ErrCurrentSession = errors.New("this is your current session: sign out to end it")

// RevokeSession ends one of the user's own sessions, audited. Another
// user's session, or one that has ended, is ErrNotFound.
func (s *Store) RevokeSession(ctx context.Context, actor Actor, userID, sessionID int64, currentToken string) error {
	return s.Tx(ctx, func(tx *Store) error {
		row, err := first[UserSession](tx.q(ctx).Where("id = ? AND user_id = ?", sessionID, userID))
		if err != nil {
			return err
		}
		if row.TokenHash == sessionTokenHash(currentToken) {
			return ErrCurrentSession
		}
		if err := tx.q(ctx).Delete(&UserSession{}, row.ID).Error; err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "user_session_revoked", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, Details: map[string]any{"ip_address": row.IPAddress, "user_agent": row.UserAgent,
				"signed_in_at": row.CreatedAt.UTC().Format(time.RFC3339)}})
	})
}

// RevokeUserSessions ends every session of a user (an admin's "Revoke
// sessions"), audited, and returns how many there were.
func (s *Store) RevokeUserSessions(ctx context.Context, actor Actor, userID int64) (int64, error) {
	var n int64
	err := s.Tx(ctx, func(tx *Store) error {
		u, err := first[User](tx.forUpdate(ctx).Where("id = ?", userID))
		if err != nil {
			return err
		}
		if n, err = tx.endUserSessions(ctx, u.ID); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "user_sessions_revoked", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, Details: map[string]any{"sessions": n}})
	})
	return n, err
}

// endUserSessions signs a user out everywhere; call it on the transaction
// that changes what their sessions were started on (password, state).
func (s *Store) endUserSessions(ctx context.Context, userID int64) (int64, error) {
	res := s.q(ctx).Where("user_id = ?", userID).Delete(&UserSession{})
	return res.RowsAffected, res.Error
}

// DeleteExpiredSessions removes the sessions that have expired.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res := s.q(ctx).Where("expires_at <= ?", now.UTC()).Delete(&UserSession{})
	return res.RowsAffected, res.Error
}

// headerText makes a request header fit a text column: valid UTF-8 (which
// Postgres insists on), no NUL, at most n bytes cut at a character.
func headerText(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
