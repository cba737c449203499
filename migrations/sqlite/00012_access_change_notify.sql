-- +goose Up
-- Postgres only (its triggers notify the app instances of changes the access
-- cache depends on). SQLite has no notifications, so the access cache stays
-- off there; this keeps both dialects at the same version.
SELECT 1;

-- +goose Down
SELECT 1;
