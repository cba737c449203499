-- The floor of rule_sync_100k: the seats a rule's first sync gives the
-- members of the top-level group, and their ledger rows (reason rule, with
-- the rule's id), raw, in one transaction. $1 is the purchase, $2 the
-- users' ids; the purchase's rule is the one the product run created.
INSERT INTO seat_assignments (add_on_purchase_id, user_id, rule_id, created_at, updated_at)
SELECT $1, u, (SELECT max(id) FROM duo_assignment_rules WHERE add_on_purchase_id = $1), now(), now()
FROM unnest($2::bigint[]) AS u;
-- statement
INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, rule_id, actor_id, actor_name, created_at)
SELECT $1, u, 'gained', 'rule', (SELECT max(id) FROM duo_assignment_rules WHERE add_on_purchase_id = $1), NULL, 'duobench floor', now()
FROM unnest($2::bigint[]) AS u;
