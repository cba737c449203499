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

// UserByToken finds the active user a valid, unexpired token belongs to,
// in one query: the API's hot path starts here.
func (s *Store) UserByToken(ctx context.Context, token string) (*User, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil, ErrNotFound
	}
	var row struct {
		User
		TokenID         int64
		TokenExpiresAt  *Date
		TokenLastUsedAt *time.Time
	}
	err := s.q(ctx).Table("personal_access_tokens AS t").Joins("JOIN users u ON u.id = t.user_id").
		Select("u.*, t.id AS token_id, t.expires_at AS token_expires_at, t.last_used_at AS token_last_used_at").
		Where("t.token_digest = ? AND NOT t.revoked", tokenDigest(token)).Limit(1).Scan(&row).Error
	if err != nil {
		return nil, err
	}
	if row.TokenID == 0 {
		return nil, ErrNotFound
	}
	if row.TokenExpiresAt != nil && !Today().Before(*row.TokenExpiresAt) {
		return nil, ErrNotFound
	}
	if !row.User.Active() {
		return nil, ErrNotFound
	}
	// Recorded at most once a minute: the API is called constantly.
	now := time.Now().UTC()
	if row.TokenLastUsedAt == nil || now.Sub(*row.TokenLastUsedAt) > time.Minute {
		_ = s.q(ctx).Model(&PersonalAccessToken{}).Where("id = ?", row.TokenID).Update("last_used_at", now).Error
	}
	u := row.User
	return &u, nil
}
