-- +goose Up
-- Usage events already applied, by their sender's id, so that a batch sent
-- twice (a retry, an overlapping back-fill) moves nothing twice. The users'
-- last_duo_activity_on and last_code_suggestions_usage_at are derived from
-- these rows.
CREATE TABLE duo_usage_events (
    id text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    feature text NOT NULL,
    occurred_at timestamptz NOT NULL,
    project_id bigint REFERENCES projects (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Serves the cascade from users and a user's history, newest last.
CREATE INDEX index_duo_usage_events_on_user_id_and_occurred_at ON duo_usage_events (user_id, occurred_at);
CREATE INDEX index_duo_usage_events_on_project_id ON duo_usage_events (project_id) WHERE project_id IS NOT NULL;

-- +goose Down
DROP TABLE duo_usage_events;
