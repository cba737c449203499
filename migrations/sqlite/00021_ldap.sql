-- +goose Up
-- The instance's LDAP server (see the Postgres migration): one row, id 1;
-- the bind password sealed, and only sent to password_server.
CREATE TABLE ldap_servers (
    id integer PRIMARY KEY CHECK (id = 1),
    host text NOT NULL,
    port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    encryption text NOT NULL CHECK (encryption IN ('plain', 'start_tls', 'simple_tls')),
    bind_dn text NOT NULL,
    password_encrypted text NOT NULL DEFAULT '',
    password_server text NOT NULL DEFAULT '',
    user_base text NOT NULL,
    user_attribute text NOT NULL CHECK (user_attribute IN ('uid', 'sAMAccountName')),
    group_base text NOT NULL,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The users who signed in with their LDAP password: from then on only
-- LDAP signs them in.
CREATE TABLE ldap_identities (
    user_id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    dn text NOT NULL,
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- +goose Down
DROP TABLE ldap_identities;
DROP TABLE ldap_servers;
