-- +goose Up
-- Every membership knows the top-level group above its group or project, so
-- "the members of this hierarchy" (GitLab.com seat eligibility, the seat
-- table's count of 100,000, a user's paid groups) is one index range instead
-- of a join through every subgroup and project. Groups and projects never
-- move to another top-level group here, so the value is fixed at insert; the
-- trigger sets it on every insert path, raw SQL included. NULL: the source
-- is gone, and such a membership belongs to no hierarchy.
ALTER TABLE members ADD COLUMN root_namespace_id bigint;

UPDATE members m SET root_namespace_id = NULLIF(split_part(n.traversal_path, '/', 1), '')::bigint
FROM namespaces n WHERE m.source_type = 'Namespace' AND n.id = m.source_id;
UPDATE members m SET root_namespace_id = NULLIF(split_part(n.traversal_path, '/', 1), '')::bigint
FROM projects p JOIN namespaces n ON n.id = p.namespace_id WHERE m.source_type = 'Project' AND p.id = m.source_id;

-- +goose StatementBegin
CREATE FUNCTION members_set_root_namespace_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.root_namespace_id := (SELECT NULLIF(split_part(n.traversal_path, '/', 1), '')::bigint FROM namespaces n
        WHERE n.id = CASE WHEN NEW.source_type = 'Namespace' THEN NEW.source_id
            ELSE (SELECT p.namespace_id FROM projects p WHERE p.id = NEW.source_id) END);
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER members_root_namespace_id BEFORE INSERT OR UPDATE OF source_type, source_id ON members
    FOR EACH ROW EXECUTE FUNCTION members_set_root_namespace_id();

CREATE INDEX index_members_on_root_namespace_and_user ON members (root_namespace_id, user_id) WHERE NOT pending;

-- The users who can hold a seat at all, in id order: counting a hierarchy's
-- eligible users merges this with the index above, reading no table rows.
CREATE INDEX index_users_on_id_active_humans ON users (id) WHERE state = 'active' AND NOT bot;

-- +goose Down
DROP INDEX index_users_on_id_active_humans;
DROP INDEX index_members_on_root_namespace_and_user;
DROP TRIGGER members_root_namespace_id ON members;
DROP FUNCTION members_set_root_namespace_id();
ALTER TABLE members DROP COLUMN root_namespace_id;
