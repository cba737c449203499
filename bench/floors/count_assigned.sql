-- How many eligible members hold a seat of the purchase.
-- The seat page's floor, written by hand (not the product's SQL): see bench/README.md.
-- psql: psql -v root=ROOT_GROUP_ID -v purchase=PURCHASE_ID -v pattern='%smith%' -f bench/floors/count_assigned.sql
-- duobench runs it with :root, :purchase and :'pattern' as $1, $2, $3.
SELECT count(*)
FROM users u
JOIN seat_assignments sa ON sa.user_id = u.id AND sa.add_on_purchase_id = :purchase
WHERE u.state = 'active' AND NOT u.bot
  AND EXISTS (SELECT 1 FROM members m WHERE m.root_namespace_id = :root AND m.user_id = u.id AND NOT m.pending);
