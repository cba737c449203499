-- +goose Up
-- Signed-in sessions live here, so that every app instance sees a sign-out
-- or a revocation at once. The cookie carries a random 256-bit token; only
-- its SHA-256 (hex) is stored, so a copy of this table signs no one in.
-- Signed-out visitors' sessions (CSRF token, flash) stay in their cookie.
CREATE TABLE user_sessions (
    id bigserial PRIMARY KEY,
    token_hash text NOT NULL,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    data bytea NOT NULL,
    user_agent text NOT NULL DEFAULT '',
    ip_address text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX index_user_sessions_on_token_hash ON user_sessions (token_hash);
-- A user's sessions, newest use first (Active sessions; revoking them all).
CREATE INDEX index_user_sessions_on_user_id_and_last_used_at ON user_sessions (user_id, last_used_at DESC);
-- The cleanup job's range scan.
CREATE INDEX index_user_sessions_on_expires_at ON user_sessions (expires_at);

-- +goose Down
DROP TABLE user_sessions;
