-- The first page of eligible members, most recently active first.
-- The seat page's floor, written by hand (not the product's SQL): see bench/README.md.
-- psql: psql -v root=ROOT_GROUP_ID -v purchase=PURCHASE_ID -v pattern='%smith%' -f bench/floors/page_last_activity.sql
-- duobench runs it with :root, :purchase and :'pattern' as $1, $2, $3.
SELECT u.id, u.username, u.name, u.email, u.state, u.last_activity_on, u.last_duo_activity_on,
  sa.created_at AS assigned_at,
  (SELECT max(m.access_level) FROM members m
    WHERE m.root_namespace_id = :root AND m.user_id = u.id AND NOT m.pending) AS max_role
FROM users u
LEFT JOIN seat_assignments sa ON sa.user_id = u.id AND sa.add_on_purchase_id = :purchase
WHERE u.state = 'active' AND NOT u.bot
  AND EXISTS (SELECT 1 FROM members m WHERE m.root_namespace_id = :root AND m.user_id = u.id AND NOT m.pending)
ORDER BY u.last_activity_on DESC NULLS LAST, u.id DESC
LIMIT 20;
