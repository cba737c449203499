-- +goose Up
-- A purchase's assigned seats, kept by the database as seats come and go
-- (see the Postgres migration): the count a seat change decides on is one
-- row read. SQLite has row-level triggers only; its single writer orders
-- them.
CREATE TABLE purchase_seat_counts (
    add_on_purchase_id INTEGER PRIMARY KEY REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    assigned INTEGER NOT NULL DEFAULT 0
);

INSERT INTO purchase_seat_counts (add_on_purchase_id, assigned)
SELECT add_on_purchase_id, count(*) FROM seat_assignments GROUP BY add_on_purchase_id;

-- +goose StatementBegin
CREATE TRIGGER purchase_seat_counts_insert AFTER INSERT ON seat_assignments
WHEN EXISTS (SELECT 1 FROM add_on_purchases p WHERE p.id = NEW.add_on_purchase_id)
BEGIN
    INSERT INTO purchase_seat_counts (add_on_purchase_id, assigned) VALUES (NEW.add_on_purchase_id, 1)
    ON CONFLICT (add_on_purchase_id) DO UPDATE SET assigned = assigned + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER purchase_seat_counts_delete AFTER DELETE ON seat_assignments
BEGIN
    UPDATE purchase_seat_counts SET assigned = assigned - 1 WHERE add_on_purchase_id = OLD.add_on_purchase_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER purchase_seat_counts_update AFTER UPDATE OF add_on_purchase_id ON seat_assignments
WHEN NEW.add_on_purchase_id <> OLD.add_on_purchase_id
BEGIN
    UPDATE purchase_seat_counts SET assigned = assigned - 1 WHERE add_on_purchase_id = OLD.add_on_purchase_id;
    INSERT INTO purchase_seat_counts (add_on_purchase_id, assigned) VALUES (NEW.add_on_purchase_id, 1)
    ON CONFLICT (add_on_purchase_id) DO UPDATE SET assigned = assigned + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER purchase_seat_counts_update;
DROP TRIGGER purchase_seat_counts_delete;
DROP TRIGGER purchase_seat_counts_insert;
DROP TABLE purchase_seat_counts;
