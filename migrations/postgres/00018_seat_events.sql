-- +goose Up
-- The seat ledger: one row per seat gained or lost, with its reason (why
-- a user has or lacks a seat, and who had one on a day, read from here).
-- Narrow and with two indexes, so a 10,000-seat bulk change writes it
-- cheaply in the statement that changes the seats; no foreign keys, for
-- the same reason and so history outlives its user.
CREATE TABLE seat_events (
    id bigserial PRIMARY KEY,
    add_on_purchase_id bigint NOT NULL,
    user_id bigint NOT NULL,
    event text NOT NULL,
    reason text NOT NULL,
    rule_id bigint,
    actor_id bigint,
    actor_name text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX index_seat_events_on_purchase_and_created_at ON seat_events (add_on_purchase_id, created_at, id);
CREATE INDEX index_seat_events_on_user_and_created_at ON seat_events (user_id, created_at);

-- History starts from the first assignment: the per-seat audit events
-- written before the ledger existed are carried into it, in order. Their
-- details say why automation removed a seat and that a seat was imported;
-- the CLI's actor names it; screens and API left no trace of which was
-- used, so those are 'manual'.
INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, rule_id, actor_id, actor_name, created_at)
SELECT CAST(d->>'add_on_purchase_id' AS bigint), ae.target_id,
    CASE ae.action WHEN 'seat_assigned' THEN 'gained' ELSE 'lost' END,
    CASE d->>'reason'
        WHEN 'imported' THEN 'import'
        WHEN 'seat_overage' THEN 'overage'
        WHEN 'user_blocked' THEN 'blocked'
        WHEN 'user_banned' THEN 'banned'
        WHEN 'user_deactivated' THEN 'deactivated'
        WHEN 'bot' THEN 'bot'
        WHEN 'membership_removed' THEN 'membership_removed'
        WHEN 'expired' THEN 'expired'
        ELSE CASE WHEN ae.actor_name = 'duoadmin CLI' THEN 'cli' ELSE 'manual' END
    END,
    NULL, ae.actor_id, ae.actor_name, ae.created_at
FROM audit_events ae CROSS JOIN LATERAL (SELECT CAST(ae.details AS jsonb) AS d) AS j
WHERE ae.action IN ('seat_assigned', 'seat_unassigned') AND ae.target_type = 'User' AND ae.target_id IS NOT NULL
    AND d ? 'add_on_purchase_id'
ORDER BY ae.id;

-- +goose Down
DROP TABLE seat_events;
