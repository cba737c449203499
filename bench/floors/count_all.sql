-- How many of the group's members are eligible for a seat.
-- The seat page's floor, written by hand (not the product's SQL): see bench/README.md.
-- psql: psql -v root=ROOT_GROUP_ID -v purchase=PURCHASE_ID -v pattern='%smith%' -f bench/floors/count_all.sql
-- duobench runs it with :root, :purchase and :'pattern' as $1, $2, $3.
SELECT count(*)
FROM users u
WHERE u.state = 'active' AND NOT u.bot
  AND EXISTS (SELECT 1 FROM members m WHERE m.root_namespace_id = :root AND m.user_id = u.id AND NOT m.pending);
