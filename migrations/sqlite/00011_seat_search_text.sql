-- +goose Up
-- The seat table's search text: username, name and public email,
-- lower-cased and newline-separated (see the Postgres migration). SQLite
-- computes it when read.
ALTER TABLE users ADD COLUMN seat_search_text TEXT GENERATED ALWAYS AS (
    lower(username) || char(10) || lower(name) || CASE WHEN public_email THEN char(10) || lower(email) ELSE '' END) VIRTUAL;

-- +goose Down
ALTER TABLE users DROP COLUMN seat_search_text;
