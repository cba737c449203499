-- +goose Up
-- The seat table sorts 100,000 users by name or activity and shows 20: with
-- these, a page is an index scan instead of a sort of everyone. A backward
-- scan serves the DESC NULLS LAST orders.
CREATE INDEX index_users_on_lower_name_and_id ON users (lower(name), id);
CREATE INDEX index_users_on_last_activity_on_and_id ON users (last_activity_on ASC NULLS FIRST, id);
CREATE INDEX index_users_on_last_duo_activity_on_and_id ON users (last_duo_activity_on ASC NULLS FIRST, id);
-- Substring search ("%ann%") on names, usernames and public emails.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX index_users_on_lower_username_trigram ON users USING gin (lower(username) gin_trgm_ops);
CREATE INDEX index_users_on_lower_name_trigram ON users USING gin (lower(name) gin_trgm_ops);
CREATE INDEX index_users_on_lower_public_email_trigram ON users USING gin (lower(email) gin_trgm_ops) WHERE public_email;

-- +goose Down
DROP INDEX index_users_on_lower_public_email_trigram;
DROP INDEX index_users_on_lower_name_trigram;
DROP INDEX index_users_on_lower_username_trigram;
DROP INDEX index_users_on_last_duo_activity_on_and_id;
DROP INDEX index_users_on_last_activity_on_and_id;
DROP INDEX index_users_on_lower_name_and_id;
