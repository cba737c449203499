-- +goose Up
-- Seat table sorts (SQLite already sorts NULLs first ascending).
CREATE INDEX index_users_on_lower_name_and_id ON users (lower(name), id);
CREATE INDEX index_users_on_last_activity_on_and_id ON users (last_activity_on, id);
CREATE INDEX index_users_on_last_duo_activity_on_and_id ON users (last_duo_activity_on, id);

-- +goose Down
DROP INDEX index_users_on_last_duo_activity_on_and_id;
DROP INDEX index_users_on_last_activity_on_and_id;
DROP INDEX index_users_on_lower_name_and_id;
