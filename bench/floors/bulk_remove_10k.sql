-- The floor of bulk_remove_10k: the raw seat statement and the raw ledger
-- insert, in one transaction. $1 is the purchase, $2 the users' ids.
DELETE FROM seat_assignments WHERE add_on_purchase_id = $1 AND user_id = ANY($2::bigint[]);
-- statement
INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, rule_id, actor_id, actor_name, created_at)
SELECT $1, u, 'lost', 'api', NULL, NULL, 'duobench floor', now() FROM unnest($2::bigint[]) AS u;
