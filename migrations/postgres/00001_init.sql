-- +goose Up
CREATE TABLE instance_settings (
    id integer PRIMARY KEY CHECK (id = 1),
    plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'premium', 'ultimate')),
    session_secret text NOT NULL DEFAULT '',
    duo_features_enabled boolean NOT NULL DEFAULT true,
    lock_duo_features_enabled boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO instance_settings (id) VALUES (1);

CREATE TABLE users (
    id bigserial PRIMARY KEY,
    username text NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    public_email boolean NOT NULL DEFAULT false,
    password_hash text NOT NULL DEFAULT '',
    state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'blocked', 'banned', 'deactivated')),
    bot boolean NOT NULL DEFAULT false,
    admin boolean NOT NULL DEFAULT false,
    auditor boolean NOT NULL DEFAULT false,
    last_activity_on date,
    last_duo_activity_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX index_users_on_lower_username ON users (lower(username));
CREATE UNIQUE INDEX index_users_on_lower_email ON users (lower(email));
CREATE INDEX index_users_on_state ON users (state);

-- traversal_path is the chain of ancestor ids, root first, each followed by '/'
-- ("1/5/9/"), so a subtree is one index range scan. COLLATE "C" makes the
-- range comparison bytewise, as it is on SQLite.
CREATE TABLE namespaces (
    id bigserial PRIMARY KEY,
    parent_id bigint REFERENCES namespaces (id) ON DELETE CASCADE,
    path text NOT NULL,
    full_path text NOT NULL,
    name text NOT NULL,
    plan text NOT NULL DEFAULT '' CHECK (plan IN ('', 'free', 'premium', 'ultimate')),
    traversal_path text COLLATE "C" NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX index_namespaces_on_lower_full_path ON namespaces (lower(full_path));
CREATE INDEX index_namespaces_on_parent_id ON namespaces (parent_id);
CREATE INDEX index_namespaces_on_traversal_path ON namespaces (traversal_path);

CREATE TABLE projects (
    id bigserial PRIMARY KEY,
    namespace_id bigint NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    path text NOT NULL,
    full_path text NOT NULL,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX index_projects_on_lower_full_path ON projects (lower(full_path));
CREATE INDEX index_projects_on_namespace_id ON projects (namespace_id);

-- source_type is 'Namespace' or 'Project', as in GitLab's members table.
CREATE TABLE members (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_type text NOT NULL CHECK (source_type IN ('Namespace', 'Project')),
    source_id bigint NOT NULL,
    access_level integer NOT NULL CHECK (access_level IN (10, 15, 20, 30, 40, 50)),
    pending boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX index_members_on_source_and_user ON members (source_type, source_id, user_id);
CREATE INDEX index_members_on_user_id ON members (user_id);

CREATE TABLE group_group_links (
    id bigserial PRIMARY KEY,
    shared_group_id bigint NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    shared_with_group_id bigint NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    group_access integer NOT NULL CHECK (group_access IN (10, 15, 20, 30, 40, 50)),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX index_group_group_links_unique ON group_group_links (shared_group_id, shared_with_group_id);
CREATE INDEX index_group_group_links_on_shared_with ON group_group_links (shared_with_group_id);

CREATE TABLE project_group_links (
    id bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    group_id bigint NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    group_access integer NOT NULL CHECK (group_access IN (10, 15, 20, 30, 40, 50)),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX index_project_group_links_unique ON project_group_links (project_id, group_id);
CREATE INDEX index_project_group_links_on_group ON project_group_links (group_id);

-- On GitLab.com namespace_id is the top-level group; self-managed purchases have none.
CREATE TABLE add_on_purchases (
    id bigserial PRIMARY KEY,
    add_on text NOT NULL CHECK (add_on IN ('duo_pro', 'duo_enterprise')),
    namespace_id bigint REFERENCES namespaces (id) ON DELETE CASCADE,
    quantity integer NOT NULL CHECK (quantity >= 1),
    started_at date,
    expires_on date NOT NULL,
    trial boolean NOT NULL DEFAULT false,
    purchase_xid text NOT NULL DEFAULT '' CHECK (length(purchase_xid) <= 255),
    last_assigned_users_refreshed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX index_add_on_purchases_on_add_on_and_namespace ON add_on_purchases (add_on, COALESCE(namespace_id, 0));

CREATE TABLE seat_assignments (
    id bigserial PRIMARY KEY,
    add_on_purchase_id bigint NOT NULL REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX index_seat_assignments_on_purchase_and_user ON seat_assignments (add_on_purchase_id, user_id);
CREATE INDEX index_seat_assignments_on_user_id ON seat_assignments (user_id);

-- Append-only: the application never updates or deletes rows here.
CREATE TABLE audit_events (
    id bigserial PRIMARY KEY,
    actor_id bigint,
    actor_name text NOT NULL,
    action text NOT NULL,
    target_type text NOT NULL DEFAULT '',
    target_id bigint,
    target_name text NOT NULL DEFAULT '',
    namespace_id bigint,
    details text NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX index_audit_events_on_created_at ON audit_events (created_at, id);
CREATE INDEX index_audit_events_on_namespace ON audit_events (namespace_id, created_at);
CREATE INDEX index_audit_events_on_actor ON audit_events (actor_id, created_at);
CREATE INDEX index_audit_events_on_target ON audit_events (target_type, target_id, created_at);

-- Shared by every app instance, so throttling holds behind a load balancer.
CREATE TABLE sign_in_throttles (
    login_key text PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0,
    window_started_at timestamptz NOT NULL,
    locked_until timestamptz
);

-- +goose Down
DROP TABLE sign_in_throttles;
DROP TABLE audit_events;
DROP TABLE seat_assignments;
DROP TABLE add_on_purchases;
DROP TABLE project_group_links;
DROP TABLE group_group_links;
DROP TABLE members;
DROP TABLE projects;
DROP TABLE namespaces;
DROP TABLE users;
DROP TABLE instance_settings;
