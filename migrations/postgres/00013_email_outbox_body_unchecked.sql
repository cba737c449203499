-- +goose Up
-- The foreign key fired one trigger per outbox row, even for rows with no
-- body: a third of the cost of queueing 10,000 welcome mails. Nothing
-- needs it: a shared body is written in the same statement as the rows
-- that point at it (see queueSeatEmails), and bodies are never deleted.
-- The trigger keeps it so: deleting a body still in use fails as the
-- foreign key made it fail, at a cost paid by deletes only.
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_body_id_fkey;

-- +goose StatementBegin
CREATE FUNCTION email_bodies_keep_used() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM email_outbox WHERE body_id = OLD.id) THEN
        RAISE EXCEPTION 'email body % is used by the outbox', OLD.id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER email_bodies_keep_used BEFORE DELETE ON email_bodies
    FOR EACH ROW EXECUTE FUNCTION email_bodies_keep_used();

-- +goose Down
DROP TRIGGER email_bodies_keep_used ON email_bodies;
DROP FUNCTION email_bodies_keep_used();
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_body_id_fkey FOREIGN KEY (body_id) REFERENCES email_bodies (id);
