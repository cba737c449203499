-- +goose Up
-- Every audit list pages by id (00007 added an index per filter ending in
-- id); these created_at twins from 00001 served no query any more, and each
-- made every one of the 10,000 events of a bulk seat change cost one more
-- index insert. The created_at index stays: retention and date filters use it.
DROP INDEX index_audit_events_on_namespace;
DROP INDEX index_audit_events_on_actor;
DROP INDEX index_audit_events_on_target;

-- +goose Down
CREATE INDEX index_audit_events_on_namespace ON audit_events (namespace_id, created_at);
CREATE INDEX index_audit_events_on_actor ON audit_events (actor_id, created_at);
CREATE INDEX index_audit_events_on_target ON audit_events (target_type, target_id, created_at);
