-- +goose Up
-- Administrator-enforced GitLab Duo availability (#21): a group whose
-- setting an administrator (or, on GitLab.com, an owner of its top-level
-- group) enforces. Its own owners see it read-only; it locks its subtree as
-- Always on / Always off does. Enforced while duo_enforced_at is set.
ALTER TABLE namespaces ADD COLUMN duo_enforced_at timestamptz;
ALTER TABLE namespaces ADD COLUMN duo_enforced_by_id bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE namespaces ADD COLUMN duo_enforced_by_admin boolean NOT NULL DEFAULT false;
ALTER TABLE namespaces ADD COLUMN duo_enforced_reason text NOT NULL DEFAULT '';
-- The availability map's "only locked" filter and counts.
CREATE INDEX index_namespaces_on_duo_locks ON namespaces (traversal_path) WHERE lock_duo_features_enabled OR duo_enforced_at IS NOT NULL;

-- +goose Down
DROP INDEX index_namespaces_on_duo_locks;
ALTER TABLE namespaces DROP COLUMN duo_enforced_reason;
ALTER TABLE namespaces DROP COLUMN duo_enforced_by_admin;
ALTER TABLE namespaces DROP COLUMN duo_enforced_by_id;
ALTER TABLE namespaces DROP COLUMN duo_enforced_at;
