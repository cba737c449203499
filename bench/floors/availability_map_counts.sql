-- The availability map's counts for a GitLab.com top-level group: its groups and projects on, and
-- the locks set in it. The map's floor, written by hand (not the product's SQL): see bench/README.md.
-- Each group carries down its effective value and whether a lock (its own or one above) decides
-- it; the instance is On by default on GitLab.com.
-- psql: psql -v root=ROOT_GROUP_ID -f bench/floors/availability_map_counts.sql
-- duobench runs it with :root as $1.
WITH RECURSIVE tree AS (
    SELECT id, COALESCE(duo_features_enabled, true) AS value, lock_duo_features_enabled AS under_lock,
           lock_duo_features_enabled OR duo_enforced_at IS NOT NULL AS sets_lock
    FROM namespaces WHERE id = :root
  UNION ALL
    SELECT c.id,
           CASE WHEN t.under_lock THEN t.value ELSE COALESCE(c.duo_features_enabled, t.value) END,
           t.under_lock OR c.lock_duo_features_enabled,
           c.lock_duo_features_enabled OR c.duo_enforced_at IS NOT NULL
    FROM tree t JOIN namespaces c ON c.parent_id = t.id
)
SELECT (SELECT count(*) FILTER (WHERE value) FROM tree)
         + (SELECT count(*) FILTER (WHERE CASE WHEN t.under_lock THEN t.value ELSE p.duo_features_enabled END)
            FROM tree t JOIN projects p ON p.namespace_id = t.id) AS groups_and_projects_on,
       (SELECT count(*) FILTER (WHERE NOT value) FROM tree)
         + (SELECT count(*) FILTER (WHERE NOT CASE WHEN t.under_lock THEN t.value ELSE p.duo_features_enabled END)
            FROM tree t JOIN projects p ON p.namespace_id = t.id) AS groups_and_projects_off,
       (SELECT count(*) FILTER (WHERE sets_lock) FROM tree) AS locks;
