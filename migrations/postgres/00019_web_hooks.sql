-- +goose Up
-- Webhooks that receive seat events. namespace_id NULL is a system hook
-- (the admin area's: every purchase); otherwise a top-level group's hook
-- (GitLab.com: its purchases). The secret token is secretbox-sealed,
-- never stored or shown in clear.
CREATE TABLE web_hooks (
    id bigserial PRIMARY KEY,
    namespace_id bigint REFERENCES namespaces (id) ON DELETE CASCADE,
    url text NOT NULL,
    token_encrypted text NOT NULL,
    created_by_id bigint,
    created_at timestamptz NOT NULL
);
CREATE INDEX index_web_hooks_on_namespace_id ON web_hooks (namespace_id);

-- A delivery is an outbox row with the hook it goes to: queued in the
-- seat change's transaction, claimed and retried as mail is. Mail rows
-- have no hook.
ALTER TABLE email_outbox ADD COLUMN web_hook_id bigint;
CREATE INDEX index_email_outbox_on_web_hook_id ON email_outbox (web_hook_id) WHERE web_hook_id IS NOT NULL;

-- Each delivery attempt, for the hook's Recent events.
CREATE TABLE web_hook_logs (
    id bigserial PRIMARY KEY,
    web_hook_id bigint NOT NULL REFERENCES web_hooks (id) ON DELETE CASCADE,
    outbox_id bigint,
    trigger text NOT NULL,
    attempt integer NOT NULL,
    status_code integer NOT NULL,
    duration_ms bigint NOT NULL,
    error text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);
CREATE INDEX index_web_hook_logs_on_web_hook_id_and_created_at ON web_hook_logs (web_hook_id, created_at, id);

-- +goose Down
DROP TABLE web_hook_logs;
DROP INDEX index_email_outbox_on_web_hook_id;
ALTER TABLE email_outbox DROP COLUMN web_hook_id;
DROP TABLE web_hooks;
