-- +goose Up
-- A bulk assignment sends the same welcome mail to 10,000 people: the body
-- is written once here and each outbox row points at it, instead of 10,000
-- copies of a kilobyte each in the table and the WAL. Rows with their own
-- body (personal mail) keep body_id NULL.
CREATE TABLE email_bodies (
    id bigserial PRIMARY KEY,
    text_body text NOT NULL,
    html_body text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE email_outbox ADD COLUMN body_id bigint REFERENCES email_bodies (id);

-- +goose Down
ALTER TABLE email_outbox DROP COLUMN body_id;
DROP TABLE email_bodies;
