-- +goose Up
-- Audit lists and exports are newest first by id (ids are assigned at
-- insert, created_at is the insert time), paged by keyset on id: each
-- filter gets an index that ends in id, so a page is an index range scan.
CREATE INDEX index_audit_events_on_namespace_and_id ON audit_events (namespace_id, id);
CREATE INDEX index_audit_events_on_actor_and_id ON audit_events (actor_id, id);
CREATE INDEX index_audit_events_on_target_and_id ON audit_events (target_type, target_id, id);
CREATE INDEX index_audit_events_on_action_and_id ON audit_events (action, id);

-- +goose Down
DROP INDEX index_audit_events_on_action_and_id;
DROP INDEX index_audit_events_on_target_and_id;
DROP INDEX index_audit_events_on_actor_and_id;
DROP INDEX index_audit_events_on_namespace_and_id;
