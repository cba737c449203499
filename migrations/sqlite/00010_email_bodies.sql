-- +goose Up
-- One body for the many identical mails of a bulk assignment (see the
-- Postgres migration); personal mail keeps body_id NULL.
CREATE TABLE email_bodies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
ALTER TABLE email_outbox ADD COLUMN body_id INTEGER REFERENCES email_bodies (id);

-- +goose Down
ALTER TABLE email_outbox DROP COLUMN body_id;
DROP TABLE email_bodies;
