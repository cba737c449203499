-- +goose Up
-- NULL means "inherit from the parent group or the instance".
ALTER TABLE namespaces ADD COLUMN duo_features_enabled boolean;
ALTER TABLE namespaces ADD COLUMN lock_duo_features_enabled boolean NOT NULL DEFAULT 0;
ALTER TABLE namespaces ADD COLUMN experiment_features_enabled boolean NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN duo_features_enabled boolean NOT NULL DEFAULT 1;
ALTER TABLE instance_settings ADD COLUMN experiment_features_enabled boolean NOT NULL DEFAULT 0;

CREATE TABLE personal_access_tokens (
    id integer PRIMARY KEY AUTOINCREMENT,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    token_digest text NOT NULL,
    expires_at date,
    revoked boolean NOT NULL DEFAULT 0,
    last_used_at datetime,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX index_personal_access_tokens_on_token_digest ON personal_access_tokens (token_digest);
CREATE INDEX index_personal_access_tokens_on_user_id ON personal_access_tokens (user_id);

-- +goose Down
DROP TABLE personal_access_tokens;
ALTER TABLE instance_settings DROP COLUMN experiment_features_enabled;
ALTER TABLE projects DROP COLUMN duo_features_enabled;
ALTER TABLE namespaces DROP COLUMN experiment_features_enabled;
ALTER TABLE namespaces DROP COLUMN lock_duo_features_enabled;
ALTER TABLE namespaces DROP COLUMN duo_features_enabled;
