-- +goose Up
-- Postgres drops the per-row foreign key check of email_outbox.body_id
-- (see its migration). SQLite's check is a cheap lookup and dropping it
-- would mean rebuilding the table, so it stays.
SELECT 1;

-- +goose Down
SELECT 1;
