-- +goose Up
-- Postgres only (the access-change triggers name what changed); this keeps
-- both dialects at the same version.
SELECT 1;

-- +goose Down
SELECT 1;
