-- +goose Up
-- Duo Core is a switch, not a purchase: on the top-level group (GitLab.com)
-- or the instance (self-managed).
ALTER TABLE namespaces ADD COLUMN duo_core_features_enabled boolean NOT NULL DEFAULT 0;
ALTER TABLE instance_settings ADD COLUMN duo_core_features_enabled boolean NOT NULL DEFAULT 0;
-- Orders seat removal on overage (who has not used Code Suggestions lately).
ALTER TABLE users ADD COLUMN last_code_suggestions_usage_at datetime;

-- The plan subscription as the Customers Portal knows it. Its name is the
-- purchase_xid of the add-ons bought on it, and its seat count caps them.
CREATE TABLE subscriptions (
    id integer PRIMARY KEY AUTOINCREMENT,
    namespace_id integer REFERENCES namespaces (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    plan text NOT NULL CHECK (plan IN ('premium', 'ultimate')),
    seats integer NOT NULL CHECK (seats >= 1),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    last_synced_at datetime,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX index_subscriptions_on_name ON subscriptions (name);
CREATE UNIQUE INDEX index_subscriptions_on_namespace ON subscriptions (COALESCE(namespace_id, 0));

-- Users banned from a top-level group (GitLab.com) cannot hold its seats.
CREATE TABLE namespace_bans (
    namespace_id integer NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (namespace_id, user_id)
);

-- Mail is written here in the transaction that causes it and delivered by
-- a background sender, so nothing is lost while SMTP is down.
CREATE TABLE email_outbox (
    id integer PRIMARY KEY AUTOINCREMENT,
    to_address text NOT NULL,
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text NOT NULL DEFAULT '',
    kind text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    next_attempt_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
    sent_at datetime,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX index_email_outbox_pending ON email_outbox (next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE feature_flags (
    name text PRIMARY KEY,
    enabled boolean NOT NULL,
    updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO feature_flags (name, enabled) VALUES ('duo_seat_assignment_email_for_sm', 1);

CREATE INDEX index_seat_assignments_on_purchase_and_created ON seat_assignments (add_on_purchase_id, created_at, id);

-- +goose Down
DROP INDEX index_seat_assignments_on_purchase_and_created;
DROP TABLE feature_flags;
DROP TABLE email_outbox;
DROP TABLE namespace_bans;
DROP TABLE subscriptions;
ALTER TABLE users DROP COLUMN last_code_suggestions_usage_at;
ALTER TABLE instance_settings DROP COLUMN duo_core_features_enabled;
ALTER TABLE namespaces DROP COLUMN duo_core_features_enabled;
