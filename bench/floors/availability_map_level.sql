-- The availability map's first level for a GitLab.com top-level group: the group with its number of
-- subgroups and projects, and its first 20 subgroups and first 20 projects by path, with their
-- stored settings. The map's floor, written by hand (not the product's SQL): see bench/README.md.
-- psql: psql -v root=ROOT_GROUP_ID -f bench/floors/availability_map_level.sql
-- duobench runs it with :root as $1.
SELECT 'group' AS kind, n.id, n.full_path, n.duo_features_enabled, n.lock_duo_features_enabled,
       (SELECT count(*) FROM namespaces c WHERE c.parent_id = n.id) AS subgroups,
       (SELECT count(*) FROM projects p WHERE p.namespace_id = n.id) AS projects
FROM namespaces n WHERE n.id = :root
UNION ALL
(SELECT 'subgroup', id, full_path, duo_features_enabled, lock_duo_features_enabled, NULL, NULL
 FROM namespaces WHERE parent_id = :root ORDER BY full_path LIMIT 20)
UNION ALL
(SELECT 'project', id, full_path, duo_features_enabled, NULL, NULL, NULL
 FROM projects WHERE namespace_id = :root ORDER BY full_path LIMIT 20);
