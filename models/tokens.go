package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

type PersonalAccessToken struct {
	ID          int64
	UserID      int64
	Name        string
	TokenDigest string
	ExpiresAt   *Date
	Revoked     bool
	LastUsedAt  *time.Time
	CreatedAt   time.Time
}

const tokenPrefix = "glpat-"

func tokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreatePersonalAccessToken returns the token in clear, once: only its
// digest is stored.
func (s *Store) CreatePersonalAccessToken(ctx context.Context, actor Actor, u *User, name string, expiresAt *Date) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", FieldErrors{"name": "can't be blank"}
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	for i := range raw {
		raw[i] = alphabet[int(raw[i])%len(alphabet)]
	}
	token := tokenPrefix + string(raw)
	err := s.Tx(ctx, func(tx *Store) error {
		t := &PersonalAccessToken{UserID: u.ID, Name: name, TokenDigest: tokenDigest(token), ExpiresAt: expiresAt}
		if err := tx.q(ctx).Create(t).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "personal_access_token_created", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, Details: map[string]any{"name": name, "token_id": t.ID}})
	})
	return token, err
}

// userByTokenSQL is the API's first statement on every call, by dialect:
// written out rather than built (fixedSQL), and read without gorm's Scan,
// which formats the statement with its arguments for the logger every time.
var userByTokenSQL = func() map[Dialect]string {
	const q = `SELECT u.*, t.id AS token_id, t.expires_at AS token_expires_at, t.last_used_at AS token_last_used_at
		FROM personal_access_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_digest = ? AND NOT t.revoked LIMIT 1`
	return map[Dialect]string{Postgres: fixedSQL(Postgres, q), SQLite: fixedSQL(SQLite, q)}
}()

// tokenUseInterval is how often a token's last use is recorded.
const tokenUseInterval = time.Minute

// UserByToken finds the active user a valid, unexpired token belongs to,
// in one query: the API's hot path starts here. While the access cache is
// live the token's row is read once per generation.
func (s *Store) UserByToken(ctx context.Context, token string) (*User, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil, ErrNotFound
	}
	digest := tokenDigest(token)
	e, ok := s.cache.token(digest)
	if !ok {
		t := s.cache.begin()
		var err error
		if e, err = s.loadToken(ctx, digest); err != nil {
			return nil, err
		}
		if t.keep {
			s.cache.putToken(t, digest, e)
		}
	}
	if e.expiresAt != nil && !Today().Before(*e.expiresAt) {
		return nil, ErrNotFound
	}
	if !e.user.Active() {
		return nil, ErrNotFound
	}
	s.recordTokenUse(ctx, e)
	u := e.user
	return &u, nil
}

func (s *Store) loadToken(ctx context.Context, digest string) (*tokenEntry, error) {
	var row struct {
		User
		TokenID         int64
		TokenExpiresAt  *Date
		TokenLastUsedAt *time.Time
	}
	if err := s.scanOne(ctx, &row, userByTokenSQL[s.dialect], digest); err != nil {
		return nil, err
	}
	return &tokenEntry{user: row.User, tokenID: row.TokenID, expiresAt: row.TokenExpiresAt,
		lastUsedAt: row.TokenLastUsedAt}, nil
}

// recordTokenUse writes the token's last use at most once a minute: the
// API is called constantly. The condition makes the concurrent calls that
// all saw an old stamp write it once. The column is not one the change
// notification watches, so this write keeps the cache.
func (s *Store) recordTokenUse(ctx context.Context, e *tokenEntry) {
	now := time.Now().UTC()
	var last *time.Time
	if s.cache != nil {
		last = s.cache.tokenLastUsed(e) // e may be shared with other calls
	} else {
		last = e.lastUsedAt
	}
	if last != nil && now.Sub(*last) <= tokenUseInterval {
		return
	}
	err := s.q(ctx).Model(&PersonalAccessToken{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", e.tokenID, now.Add(-tokenUseInterval)).
		Update("last_used_at", now).Error
	if err == nil && s.cache != nil {
		s.cache.tokenUsed(e, now)
	}
}

// scanOne reads the first row of a statement made by fixedSQL into dest,
// a pointer to a struct, by column name; no row is ErrNotFound.
func (s *Store) scanOne(ctx context.Context, dest any, query string, args ...any) error {
	rows, err := s.rawRows(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return ErrNotFound
	}
	return s.q(ctx).ScanRows(rows, dest)
}
