-- The floor of bulk_assign_10k: the raw seat statement and the raw ledger
-- insert, in one transaction. $1 is the purchase, $2 the users' ids.
INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at)
SELECT $1, u, now(), now() FROM unnest($2::bigint[]) AS u;
-- statement
INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, rule_id, actor_id, actor_name, created_at)
SELECT $1, u, 'gained', 'api', NULL, NULL, 'duobench floor', now() FROM unnest($2::bigint[]) AS u;
