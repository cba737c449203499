-- +goose Up
-- Usage insights: one row per purchase and day, taken by the hourly
-- usage_snapshot job, so the charts read 90 rows instead of scanning
-- 100,000 seats and their events. Days the job did not run have no row:
-- the charts show a gap, never invented history.
CREATE TABLE seat_usage_snapshots (
    add_on_purchase_id bigint NOT NULL REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    day date NOT NULL,
    purchased integer NOT NULL,
    assigned integer NOT NULL,
    active integer NOT NULL,
    code_suggestions_uses integer NOT NULL DEFAULT 0,
    chat_uses integer NOT NULL DEFAULT 0,
    other_uses integer NOT NULL DEFAULT 0,
    taken_at timestamptz NOT NULL,
    PRIMARY KEY (add_on_purchase_id, day)
);

-- Idle-seat reclamation, per purchase, off until an owner or admin saves
-- a policy. Seats idle idle_days (from the later of assignment and last
-- use) get a notice; notice_days later they are reclaimed unless used.
CREATE TABLE seat_reclaim_policies (
    add_on_purchase_id bigint PRIMARY KEY REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    enabled boolean NOT NULL DEFAULT false,
    idle_days integer NOT NULL CHECK (idle_days BETWEEN 1 AND 3650),
    notice_days integer NOT NULL CHECK (notice_days BETWEEN 0 AND 365),
    updated_at timestamptz NOT NULL
);
-- Who is never reclaimed: a user, or the members of a group (and its
-- subgroups). Exactly one of the two per row.
CREATE TABLE seat_reclaim_exclusions (
    id bigserial PRIMARY KEY,
    add_on_purchase_id bigint NOT NULL REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    group_id bigint REFERENCES namespaces (id) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX index_seat_reclaim_exclusions_on_purchase ON seat_reclaim_exclusions (add_on_purchase_id);
-- A notice sent: idle_since is the day idleness was counted from, so a use
-- after it (a later last use) cancels the notice.
CREATE TABLE seat_reclaim_notices (
    add_on_purchase_id bigint NOT NULL REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idle_since date NOT NULL,
    reclaim_on date NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (add_on_purchase_id, user_id)
);
CREATE INDEX index_seat_reclaim_notices_on_purchase_and_reclaim_on ON seat_reclaim_notices (add_on_purchase_id, reclaim_on);

-- +goose Down
DROP TABLE seat_reclaim_notices;
DROP TABLE seat_reclaim_exclusions;
DROP TABLE seat_reclaim_policies;
DROP TABLE seat_usage_snapshots;
