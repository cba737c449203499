-- +goose Up
-- The availability map's counts (#21) add up the projects' stored values
-- per group: with the value in the index they are read from the index
-- alone, never from the table's wide rows.
CREATE INDEX index_projects_on_namespace_id_and_duo_features_enabled ON projects (namespace_id, duo_features_enabled);

-- +goose Down
DROP INDEX index_projects_on_namespace_id_and_duo_features_enabled;
