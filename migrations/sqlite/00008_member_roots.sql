-- +goose Up
-- Every membership knows the top-level group above its group or project, so
-- "the members of this hierarchy" is one index range (see the Postgres
-- migration). Fixed at insert by the triggers, raw SQL included; NULL when
-- the source is gone.
ALTER TABLE members ADD COLUMN root_namespace_id INTEGER;

UPDATE members SET root_namespace_id = (
    SELECT NULLIF(CAST(substr(n.traversal_path, 1, instr(n.traversal_path, '/') - 1) AS INTEGER), 0)
    FROM namespaces n
    WHERE n.id = CASE WHEN members.source_type = 'Namespace' THEN members.source_id
        ELSE (SELECT p.namespace_id FROM projects p WHERE p.id = members.source_id) END);

-- +goose StatementBegin
CREATE TRIGGER members_root_namespace_id_insert AFTER INSERT ON members
BEGIN
    UPDATE members SET root_namespace_id = (
        SELECT NULLIF(CAST(substr(n.traversal_path, 1, instr(n.traversal_path, '/') - 1) AS INTEGER), 0)
        FROM namespaces n
        WHERE n.id = CASE WHEN NEW.source_type = 'Namespace' THEN NEW.source_id
            ELSE (SELECT p.namespace_id FROM projects p WHERE p.id = NEW.source_id) END)
    WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER members_root_namespace_id_update AFTER UPDATE OF source_type, source_id ON members
BEGIN
    UPDATE members SET root_namespace_id = (
        SELECT NULLIF(CAST(substr(n.traversal_path, 1, instr(n.traversal_path, '/') - 1) AS INTEGER), 0)
        FROM namespaces n
        WHERE n.id = CASE WHEN NEW.source_type = 'Namespace' THEN NEW.source_id
            ELSE (SELECT p.namespace_id FROM projects p WHERE p.id = NEW.source_id) END)
    WHERE id = NEW.id;
END;
-- +goose StatementEnd

CREATE INDEX index_members_on_root_namespace_and_user ON members (root_namespace_id, user_id) WHERE NOT pending;

-- The users who can hold a seat at all, in id order: counting a hierarchy's
-- eligible users merges this with the index above, reading no table rows.
CREATE INDEX index_users_on_id_active_humans ON users (id) WHERE state = 'active' AND NOT bot;

-- +goose Down
DROP INDEX index_users_on_id_active_humans;
DROP INDEX index_members_on_root_namespace_and_user;
DROP TRIGGER members_root_namespace_id_update;
DROP TRIGGER members_root_namespace_id_insert;
ALTER TABLE members DROP COLUMN root_namespace_id;
