-- +goose Up
-- The seat ledger (see the Postgres migration): one row per seat gained or
-- lost, with its reason. Narrow and with two indexes, so a bulk change
-- writes it cheaply; no foreign keys, so history outlives its user.
CREATE TABLE seat_events (
    id integer PRIMARY KEY AUTOINCREMENT,
    add_on_purchase_id integer NOT NULL,
    user_id integer NOT NULL,
    event text NOT NULL,
    reason text NOT NULL,
    rule_id integer,
    actor_id integer,
    actor_name text NOT NULL,
    created_at datetime NOT NULL
);
CREATE INDEX index_seat_events_on_purchase_and_created_at ON seat_events (add_on_purchase_id, created_at, id);
CREATE INDEX index_seat_events_on_user_and_created_at ON seat_events (user_id, created_at);

-- History starts from the first assignment: the per-seat audit events
-- written before the ledger existed are carried into it, in order. Their
-- details say why automation removed a seat and that a seat was imported;
-- the CLI's actor names it; screens and API left no trace of which was
-- used, so those are 'manual'.
INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, rule_id, actor_id, actor_name, created_at)
SELECT CAST(json_extract(ae.details, '$.add_on_purchase_id') AS INTEGER), ae.target_id,
    CASE ae.action WHEN 'seat_assigned' THEN 'gained' ELSE 'lost' END,
    CASE json_extract(ae.details, '$.reason')
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
FROM audit_events ae
WHERE ae.action IN ('seat_assigned', 'seat_unassigned') AND ae.target_type = 'User' AND ae.target_id IS NOT NULL
    AND json_valid(ae.details) AND json_extract(ae.details, '$.add_on_purchase_id') IS NOT NULL
ORDER BY ae.id;

-- +goose Down
DROP TABLE seat_events;
