-- +goose Up
-- Usage events already applied, by their sender's id, so that a batch sent
-- twice (a retry, an overlapping back-fill) moves nothing twice.
-- occurred_at is written in UTC in the driver's layout
-- ("2006-01-02 15:04:05.999999999+00:00"), whose text order is time order.
CREATE TABLE duo_usage_events (
    id text PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    feature text NOT NULL,
    occurred_at datetime NOT NULL,
    project_id integer REFERENCES projects (id) ON DELETE SET NULL,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX index_duo_usage_events_on_user_id_and_occurred_at ON duo_usage_events (user_id, occurred_at);
CREATE INDEX index_duo_usage_events_on_project_id ON duo_usage_events (project_id) WHERE project_id IS NOT NULL;

-- +goose Down
DROP TABLE duo_usage_events;
