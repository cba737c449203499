-- +goose Up
-- Besides notifying the other instances, the trigger now marks its own
-- transaction (a transaction-local setting), so that the instance making
-- the change empties its access cache at commit only when the transaction
-- wrote a table the cache depends on: sign-in throttling and usage events
-- commit all the time and touch none of them.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION notify_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('duoadmin_access_changed', '');
    PERFORM set_config('duoadmin.access_changed', 'on', true);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION notify_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('duoadmin_access_changed', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
