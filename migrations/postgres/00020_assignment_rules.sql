-- +goose Up
-- Seat assignment rules (issue 18): a purchase's rules say who should hold
-- a seat; their union is applied by the rule sync. source_kind is 'group'
-- (source_group_id: the group with its subgroups and projects), 'instance'
-- (every user, self-managed) or 'ldap_group' (source_value: the CN, resolved
-- through the directory). ldap_member_count is the group's size at the last
-- applied sync: an empty answer from a group that had members holds the run.
CREATE TABLE duo_assignment_rules (
    id bigserial PRIMARY KEY,
    add_on_purchase_id bigint NOT NULL REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    source_kind text NOT NULL CHECK (source_kind IN ('group', 'instance', 'ldap_group')),
    source_group_id bigint REFERENCES namespaces (id) ON DELETE CASCADE,
    source_value text NOT NULL DEFAULT '',
    min_access_level integer NOT NULL DEFAULT 10,
    mode text NOT NULL CHECK (mode IN ('assign', 'assign_remove')),
    ldap_member_count integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX index_duo_assignment_rules_on_purchase ON duo_assignment_rules (add_on_purchase_id, id);

CREATE TABLE duo_assignment_rule_exclusions (
    rule_id bigint NOT NULL REFERENCES duo_assignment_rules (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, user_id)
);

-- The rule that gave a seat; NULL for a seat given by hand, API, CLI or
-- import, which no rule ever removes. No foreign key: a deleted rule's
-- seats stay the rule's (and are never removed by another).
ALTER TABLE seat_assignments ADD COLUMN rule_id bigint;

-- Users whose membership or state changed since the rules were last
-- applied to them: written in the change's transaction, claimed with
-- FOR UPDATE SKIP LOCKED so several app instances never apply one twice.
CREATE TABLE rule_sync_queue (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    created_at timestamptz NOT NULL
);

-- The mass-removal guard's limits per purchase; no row: 10 % and 25 seats.
CREATE TABLE seat_removal_guards (
    add_on_purchase_id bigint PRIMARY KEY REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    max_percent integer NOT NULL,
    max_seats integer NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Automated runs that changed seats or were held. status: 'applied',
-- 'held', 'approved', 'discarded', 'expired'. diff is the run's full diff
-- (JSON), kept so a held run can be reviewed.
CREATE TABLE seat_sync_runs (
    id bigserial PRIMARY KEY,
    add_on_purchase_id bigint NOT NULL REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    kind text NOT NULL,
    trigger text NOT NULL,
    status text NOT NULL,
    gains integer NOT NULL DEFAULT 0,
    losses integer NOT NULL DEFAULT 0,
    waiting integer NOT NULL DEFAULT 0,
    hold_reason text NOT NULL DEFAULT '',
    diff text NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    decided_at timestamptz,
    decided_by_id bigint,
    decided_by_name text NOT NULL DEFAULT ''
);
CREATE INDEX index_seat_sync_runs_on_purchase_and_status ON seat_sync_runs (add_on_purchase_id, status, id);

-- +goose Down
DROP TABLE seat_sync_runs;
DROP TABLE seat_removal_guards;
DROP TABLE rule_sync_queue;
ALTER TABLE seat_assignments DROP COLUMN rule_id;
DROP TABLE duo_assignment_rule_exclusions;
DROP TABLE duo_assignment_rules;
