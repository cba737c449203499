-- +goose Up
-- Each app instance keeps what the access API reads in memory
-- (models/access_cache.go) until one of the tables it is read from changes.
-- These triggers tell every instance sharing the database: Postgres delivers
-- the notification when the change commits (never for a rollback) and folds a
-- transaction's notifications into one. Statement-level, so a cascade over
-- 100,000 projects notifies once. Columns the decision never reads are left
-- out — activity stamps, a token's last use, written on every few IDE calls —
-- or the cache would be emptied all the time; a column added to users or
-- personal_access_tokens later must be added to its UPDATE OF list.
-- +goose StatementBegin
CREATE FUNCTION notify_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('duoadmin_access_changed', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON namespaces
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON seat_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON add_on_purchases
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON instance_settings
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

CREATE TRIGGER access_changed AFTER INSERT OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed_update
    AFTER UPDATE OF username, name, email, public_email, password_hash, state, bot, admin, auditor ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

CREATE TRIGGER access_changed AFTER INSERT OR DELETE OR TRUNCATE ON personal_access_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed_update
    AFTER UPDATE OF user_id, name, token_digest, expires_at, revoked ON personal_access_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

-- +goose Down
DROP TRIGGER access_changed_update ON personal_access_tokens;
DROP TRIGGER access_changed ON personal_access_tokens;
DROP TRIGGER access_changed_update ON users;
DROP TRIGGER access_changed ON users;
DROP TRIGGER access_changed ON instance_settings;
DROP TRIGGER access_changed ON add_on_purchases;
DROP TRIGGER access_changed ON seat_assignments;
DROP TRIGGER access_changed ON projects;
DROP TRIGGER access_changed ON namespaces;
DROP TRIGGER access_changed ON members;
DROP FUNCTION notify_access_changed();
