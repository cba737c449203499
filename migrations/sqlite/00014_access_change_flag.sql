-- +goose Up
-- Postgres only (the access-change trigger also marks its transaction);
-- this keeps both dialects at the same version.
SELECT 1;

-- +goose Down
SELECT 1;
