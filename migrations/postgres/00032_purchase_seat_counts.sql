-- +goose Up
-- A purchase's assigned seats, kept by the database as seats come and go
-- (raw SQL and cascades included), so the count every seat change decides
-- on is one row read, not a scan of the purchase's seats: at 100,000 seats
-- the count was most of the time of one membership change applied by the
-- rules (issue 18). A table of its own, not a column of add_on_purchases:
-- a change of a purchase row tells every instance to empty its access
-- cache, and this one changes with every seat. The triggers are
-- statement-level with transition tables, so a statement over 100,000
-- seats writes each purchase's row once. Concurrent writers of one
-- purchase queue on its row, which the Store's lock on the purchase does
-- anyway.
CREATE TABLE purchase_seat_counts (
    add_on_purchase_id bigint PRIMARY KEY REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    assigned bigint NOT NULL DEFAULT 0
);

INSERT INTO purchase_seat_counts (add_on_purchase_id, assigned)
SELECT add_on_purchase_id, count(*) FROM seat_assignments GROUP BY add_on_purchase_id;

-- purchase_seat_counts_rows adds each statement's seats to their purchases'
-- counts (removes its deleted ones). The transition tables are visible to
-- this function only, so each event's statement is written out here. A
-- purchase being deleted (its seats go by cascade) keeps no count.
-- +goose StatementBegin
CREATE FUNCTION purchase_seat_counts_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO purchase_seat_counts AS c (add_on_purchase_id, assigned)
        SELECT d.add_on_purchase_id, d.n FROM (SELECT add_on_purchase_id, count(*) AS n FROM new_rows GROUP BY 1) d
        WHERE EXISTS (SELECT 1 FROM add_on_purchases p WHERE p.id = d.add_on_purchase_id)
        ORDER BY d.add_on_purchase_id
        ON CONFLICT (add_on_purchase_id) DO UPDATE SET assigned = c.assigned + excluded.assigned;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE purchase_seat_counts c SET assigned = c.assigned - d.n
        FROM (SELECT add_on_purchase_id, count(*) AS n FROM old_rows GROUP BY 1) d
        WHERE c.add_on_purchase_id = d.add_on_purchase_id;
    ELSE
        -- A seat moved to another purchase (no code does; raw SQL may).
        INSERT INTO purchase_seat_counts AS c (add_on_purchase_id, assigned)
        SELECT d.add_on_purchase_id, d.n FROM (SELECT add_on_purchase_id, sum(n) AS n FROM (
            SELECT add_on_purchase_id, 1 AS n FROM new_rows UNION ALL SELECT add_on_purchase_id, -1 FROM old_rows) x GROUP BY 1) d
        WHERE d.n <> 0 AND EXISTS (SELECT 1 FROM add_on_purchases p WHERE p.id = d.add_on_purchase_id)
        ORDER BY d.add_on_purchase_id
        ON CONFLICT (add_on_purchase_id) DO UPDATE SET assigned = c.assigned + excluded.assigned;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION purchase_seat_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE purchase_seat_counts SET assigned = 0 WHERE assigned <> 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER purchase_seat_counts_insert AFTER INSERT ON seat_assignments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION purchase_seat_counts_rows();
CREATE TRIGGER purchase_seat_counts_update AFTER UPDATE ON seat_assignments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION purchase_seat_counts_rows();
CREATE TRIGGER purchase_seat_counts_delete AFTER DELETE ON seat_assignments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION purchase_seat_counts_rows();
CREATE TRIGGER purchase_seat_counts_truncate AFTER TRUNCATE ON seat_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION purchase_seat_counts_truncate();

-- +goose Down
DROP TRIGGER purchase_seat_counts_truncate ON seat_assignments;
DROP TRIGGER purchase_seat_counts_delete ON seat_assignments;
DROP TRIGGER purchase_seat_counts_update ON seat_assignments;
DROP TRIGGER purchase_seat_counts_insert ON seat_assignments;
DROP FUNCTION purchase_seat_counts_truncate();
DROP FUNCTION purchase_seat_counts_rows();
DROP TABLE purchase_seat_counts;
