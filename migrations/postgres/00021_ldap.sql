-- +goose Up
-- The instance's LDAP server (self-managed): one row, id 1. The bind
-- password is sealed like self-hosted models' API keys ("v1:<key
-- fingerprint>:<base64>", or '' without one) and only ever sent to
-- password_server, the encryption://host:port it was saved for.
CREATE TABLE ldap_servers (
    id bigint PRIMARY KEY CHECK (id = 1),
    host text NOT NULL,
    port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    encryption text NOT NULL CHECK (encryption IN ('plain', 'start_tls', 'simple_tls')),
    bind_dn text NOT NULL,
    password_encrypted text NOT NULL DEFAULT '',
    password_server text NOT NULL DEFAULT '',
    user_base text NOT NULL,
    user_attribute text NOT NULL CHECK (user_attribute IN ('uid', 'sAMAccountName')),
    group_base text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The users who signed in with their LDAP password: from then on only
-- LDAP signs them in (an LDAP outage does not reopen their local password).
CREATE TABLE ldap_identities (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    dn text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE ldap_identities;
DROP TABLE ldap_servers;
