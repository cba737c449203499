-- The Usage tab's per-subgroup table (GitLab.com): for each direct subgroup of
-- the purchase's group, the seat holders who are members of it or of anything
-- below it (a group or a project), and how many used GitLab Duo in the last 30
-- days; the first page of 20, most seats first, with the number of rows.
-- A membership's subgroup is the second id of its namespace's traversal path.
-- The usage page's floor, written by hand (not the product's SQL): see bench/README.md.
-- psql: psql -v root=ROOT_GROUP_ID -v purchase=PURCHASE_ID -v today=2026-12-05 -f bench/floors/usage_page_groups.sql
WITH holder AS (
  SELECT sa.user_id, u.last_duo_activity_on > CAST(:'today' AS date) - 30 AS active
  FROM seat_assignments sa
  JOIN users u ON u.id = sa.user_id
  WHERE sa.add_on_purchase_id = :purchase
), place AS (
  SELECT m.user_id, n.traversal_path
  FROM members m JOIN namespaces n ON n.id = m.source_id
  WHERE m.root_namespace_id = :root AND m.source_type = 'Namespace' AND NOT m.pending
  UNION ALL
  SELECT m.user_id, n.traversal_path
  FROM members m JOIN projects p ON p.id = m.source_id JOIN namespaces n ON n.id = p.namespace_id
  WHERE m.root_namespace_id = :root AND m.source_type = 'Project' AND NOT m.pending
), per AS (
  SELECT DISTINCT CAST(split_part(pl.traversal_path, '/', 2) AS bigint) AS group_id, h.user_id, h.active
  FROM place pl JOIN holder h ON h.user_id = pl.user_id
  WHERE split_part(pl.traversal_path, '/', 2) <> ''
)
SELECT g.id, g.name, g.full_path, count(*) AS assigned, count(*) FILTER (WHERE per.active) AS active,
  count(*) OVER () AS total
FROM per JOIN namespaces g ON g.id = per.group_id
GROUP BY g.id, g.name, g.full_path
ORDER BY assigned DESC, g.full_path
LIMIT 20;
