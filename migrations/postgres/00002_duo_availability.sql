-- +goose Up
-- NULL means "inherit from the parent group or the instance".
ALTER TABLE namespaces ADD COLUMN duo_features_enabled boolean;
ALTER TABLE namespaces ADD COLUMN lock_duo_features_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE namespaces ADD COLUMN experiment_features_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE projects ADD COLUMN duo_features_enabled boolean NOT NULL DEFAULT true;
ALTER TABLE instance_settings ADD COLUMN experiment_features_enabled boolean NOT NULL DEFAULT false;
-- A cascade rewrites every row of a subtree. Half-empty pages let Postgres
-- put each new row version beside the old one (a HOT update) without
-- touching the indexes, which is most of the cost of a large cascade.
ALTER TABLE projects SET (fillfactor = 50);
ALTER TABLE namespaces SET (fillfactor = 50);

CREATE TABLE personal_access_tokens (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    token_digest text NOT NULL,
    expires_at date,
    revoked boolean NOT NULL DEFAULT false,
    last_used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX index_personal_access_tokens_on_token_digest ON personal_access_tokens (token_digest);
CREATE INDEX index_personal_access_tokens_on_user_id ON personal_access_tokens (user_id);

-- +goose Down
ALTER TABLE namespaces RESET (fillfactor);
ALTER TABLE projects RESET (fillfactor);
DROP TABLE personal_access_tokens;
ALTER TABLE instance_settings DROP COLUMN experiment_features_enabled;
ALTER TABLE projects DROP COLUMN duo_features_enabled;
ALTER TABLE namespaces DROP COLUMN experiment_features_enabled;
ALTER TABLE namespaces DROP COLUMN lock_duo_features_enabled;
ALTER TABLE namespaces DROP COLUMN duo_features_enabled;
