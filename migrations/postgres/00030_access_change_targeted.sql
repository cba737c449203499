-- +goose Up
-- The access cache (models/access_cache.go) used to be emptied whole by every
-- change to the tables it reads: one seat or membership change a second kept
-- its hit rate near a third. The triggers now say what changed, so each
-- instance retires only the entries concerned. A payload is parts joined by
-- ';', each a kind and ids: 'u:1,2' users (their seats, memberships, tokens,
-- account), 'n:3' groups (their settings, paths and what sits below them),
-- 't:4' top-level groups (also their plan and Duo Core setting, which every
-- GitLab.com user with a seat or membership in them reads), 'p:5' projects.
-- '*' means everything: instance settings, a purchase (its dates and
-- quantity concern every holder), a TRUNCATE, or a payload that would pass
-- pg_notify's 8000-byte limit. The triggers that see rows are statement-level
-- with transition tables, so a statement over 100,000 rows notifies once
-- (and becomes '*' when its ids do not fit). Updates of users and tokens stay
-- limited to the columns the decision reads (an UPDATE OF list, which
-- Postgres allows only on row-level triggers without transition tables), so
-- activity stamps and a token's last use still notify nobody.
--
-- The transaction's mark (duoadmin.access_changed, 00014) now holds the
-- same parts, gathered over the transaction, so the instance that commits
-- retires exactly what it changed without waiting for the notification.
--
-- The parts go out on a new channel, duoadmin_access_changes, which this
-- version listens to. The old channel still gets its empty payload (once per
-- transaction: Postgres folds identical notifications), because an instance of
-- the previous version, still running during a rolling upgrade, empties its
-- cache on that and ignores anything else. A later migration may drop it.

-- +goose StatementBegin
CREATE FUNCTION access_changed_send(payload text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    mark text := coalesce(current_setting('duoadmin.access_changed', true), '');
BEGIN
    IF length(payload) > 7900 THEN
        payload := '*';
    END IF;
    PERFORM pg_notify('duoadmin_access_changes', payload);
    PERFORM pg_notify('duoadmin_access_changed', '');
    IF mark = '' THEN
        mark := payload;
    ELSIF mark <> '*' AND position(';' || payload || ';' IN ';' || mark || ';') = 0 THEN
        mark := mark || ';' || payload;
    END IF;
    IF payload = '*' OR length(mark) > 7900 THEN
        mark := '*';
    END IF;
    PERFORM set_config('duoadmin.access_changed', mark, true);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION notify_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM access_changed_send('*');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- notify_access_rows: statement-level, with the transition tables old_rows
-- and new_rows as the event has them; TG_ARGV[0] is the payload's kind,
-- TG_ARGV[1] the column holding its ids. Past access_rows_named rows the ids
-- would not fit in a payload anyway: such a statement (a cascade over every
-- project, a 10,000-seat bulk change) notifies '*' without listing them,
-- which would cost it more than the statement itself.
-- +goose StatementBegin
CREATE FUNCTION notify_access_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    src text;
    ids text;
    n bigint;
BEGIN
    -- Reads no further than the row past the limit.
    EXECUTE 'SELECT count(*) FROM (SELECT 1 FROM ' || CASE TG_OP WHEN 'DELETE' THEN 'old_rows' ELSE 'new_rows' END
        || ' LIMIT access_rows_named() + 1) r' INTO n;
    IF n > access_rows_named() THEN
        PERFORM access_changed_send('*');
        RETURN NULL;
    END IF;
    src := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %I AS x FROM new_rows', TG_ARGV[1])
        WHEN 'DELETE' THEN format('SELECT %I AS x FROM old_rows', TG_ARGV[1])
        ELSE format('SELECT %1$I AS x FROM new_rows UNION SELECT %1$I FROM old_rows', TG_ARGV[1])
    END;
    EXECUTE 'SELECT string_agg(DISTINCT x::text, '','') FROM (' || src || ') s WHERE x IS NOT NULL' INTO ids;
    IF ids IS NOT NULL THEN
        PERFORM access_changed_send(TG_ARGV[0] || ':' || ids);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- access_rows_named: the most rows a statement's notification lists.
-- +goose StatementBegin
CREATE FUNCTION access_rows_named() RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT 500';
-- +goose StatementEnd

-- notify_access_namespaces: as notify_access_rows for groups, naming the
-- top-level ones (before or after the change) apart.
-- +goose StatementBegin
CREATE FUNCTION notify_access_namespaces() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    src text;
    sub text;
    top text;
    n bigint;
BEGIN
    -- Reads no further than the row past the limit.
    EXECUTE 'SELECT count(*) FROM (SELECT 1 FROM ' || CASE TG_OP WHEN 'DELETE' THEN 'old_rows' ELSE 'new_rows' END
        || ' LIMIT access_rows_named() + 1) r' INTO n;
    IF n > access_rows_named() THEN
        PERFORM access_changed_send('*');
        RETURN NULL;
    END IF;
    src := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT id, parent_id FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT id, parent_id FROM old_rows'
        ELSE 'SELECT id, parent_id FROM new_rows UNION ALL SELECT id, parent_id FROM old_rows'
    END;
    EXECUTE 'SELECT string_agg(DISTINCT id::text, '','') FILTER (WHERE id NOT IN (SELECT id FROM (' || src || ') t WHERE parent_id IS NULL)),
        string_agg(DISTINCT id::text, '','') FILTER (WHERE parent_id IS NULL) FROM (' || src || ') s' INTO sub, top;
    IF sub IS NOT NULL AND top IS NOT NULL THEN
        PERFORM access_changed_send('n:' || sub || ';t:' || top);
    ELSIF sub IS NOT NULL THEN
        PERFORM access_changed_send('n:' || sub);
    ELSIF top IS NOT NULL THEN
        PERFORM access_changed_send('t:' || top);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- notify_access_row: row-level, for the UPDATE OF lists of users and
-- tokens; TG_ARGV[0] is the column holding the user's id.
-- +goose StatementBegin
CREATE FUNCTION notify_access_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before text := to_jsonb(OLD) ->> TG_ARGV[0];
    after text := to_jsonb(NEW) ->> TG_ARGV[0];
BEGIN
    IF before IS DISTINCT FROM after AND before IS NOT NULL AND after IS NOT NULL THEN
        PERFORM access_changed_send('u:' || before || ',' || after);
    ELSIF coalesce(after, before) IS NOT NULL THEN
        PERFORM access_changed_send('u:' || coalesce(after, before));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

DROP TRIGGER access_changed ON members;
DROP TRIGGER access_changed ON seat_assignments;
DROP TRIGGER access_changed ON namespaces;
DROP TRIGGER access_changed ON projects;
DROP TRIGGER access_changed ON users;
DROP TRIGGER access_changed_update ON users;
DROP TRIGGER access_changed ON personal_access_tokens;
DROP TRIGGER access_changed_update ON personal_access_tokens;

CREATE TRIGGER access_changed_insert AFTER INSERT ON members REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'user_id');
CREATE TRIGGER access_changed_update AFTER UPDATE ON members REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'user_id');
CREATE TRIGGER access_changed_delete AFTER DELETE ON members REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'user_id');
CREATE TRIGGER access_changed_truncate AFTER TRUNCATE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

CREATE TRIGGER access_changed_insert AFTER INSERT ON seat_assignments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'user_id');
CREATE TRIGGER access_changed_update AFTER UPDATE ON seat_assignments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'user_id');
CREATE TRIGGER access_changed_delete AFTER DELETE ON seat_assignments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'user_id');
CREATE TRIGGER access_changed_truncate AFTER TRUNCATE ON seat_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

CREATE TRIGGER access_changed_insert AFTER INSERT ON projects REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('p', 'id');
CREATE TRIGGER access_changed_update AFTER UPDATE ON projects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('p', 'id');
CREATE TRIGGER access_changed_delete AFTER DELETE ON projects REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('p', 'id');
CREATE TRIGGER access_changed_truncate AFTER TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

CREATE TRIGGER access_changed_insert AFTER INSERT ON namespaces REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_namespaces();
CREATE TRIGGER access_changed_update AFTER UPDATE ON namespaces REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_namespaces();
CREATE TRIGGER access_changed_delete AFTER DELETE ON namespaces REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_namespaces();
CREATE TRIGGER access_changed_truncate AFTER TRUNCATE ON namespaces
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

CREATE TRIGGER access_changed_insert AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'id');
CREATE TRIGGER access_changed_update
    AFTER UPDATE OF username, name, email, public_email, password_hash, state, bot, admin, auditor ON users
    FOR EACH ROW EXECUTE FUNCTION notify_access_row('id');
CREATE TRIGGER access_changed_delete AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'id');
CREATE TRIGGER access_changed_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

CREATE TRIGGER access_changed_insert AFTER INSERT ON personal_access_tokens REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'user_id');
CREATE TRIGGER access_changed_update
    AFTER UPDATE OF user_id, name, token_digest, expires_at, revoked ON personal_access_tokens
    FOR EACH ROW EXECUTE FUNCTION notify_access_row('user_id');
CREATE TRIGGER access_changed_delete AFTER DELETE ON personal_access_tokens REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_rows('u', 'user_id');
CREATE TRIGGER access_changed_truncate AFTER TRUNCATE ON personal_access_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

-- +goose Down
DROP TRIGGER access_changed_insert ON members;
DROP TRIGGER access_changed_update ON members;
DROP TRIGGER access_changed_delete ON members;
DROP TRIGGER access_changed_truncate ON members;
DROP TRIGGER access_changed_insert ON seat_assignments;
DROP TRIGGER access_changed_update ON seat_assignments;
DROP TRIGGER access_changed_delete ON seat_assignments;
DROP TRIGGER access_changed_truncate ON seat_assignments;
DROP TRIGGER access_changed_insert ON projects;
DROP TRIGGER access_changed_update ON projects;
DROP TRIGGER access_changed_delete ON projects;
DROP TRIGGER access_changed_truncate ON projects;
DROP TRIGGER access_changed_insert ON namespaces;
DROP TRIGGER access_changed_update ON namespaces;
DROP TRIGGER access_changed_delete ON namespaces;
DROP TRIGGER access_changed_truncate ON namespaces;
DROP TRIGGER access_changed_insert ON users;
DROP TRIGGER access_changed_update ON users;
DROP TRIGGER access_changed_delete ON users;
DROP TRIGGER access_changed_truncate ON users;
DROP TRIGGER access_changed_insert ON personal_access_tokens;
DROP TRIGGER access_changed_update ON personal_access_tokens;
DROP TRIGGER access_changed_delete ON personal_access_tokens;
DROP TRIGGER access_changed_truncate ON personal_access_tokens;
DROP FUNCTION notify_access_row();
DROP FUNCTION notify_access_namespaces();
DROP FUNCTION notify_access_rows();
DROP FUNCTION access_rows_named();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION notify_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('duoadmin_access_changed', '');
    PERFORM set_config('duoadmin.access_changed', 'on', true);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP FUNCTION access_changed_send(text);

CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON namespaces
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON seat_assignments
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
