-- +goose Up
-- Seat requests: a user without a seat asks for one; owners (GitLab.com)
-- or administrators (self-managed) assign or decline it. One pending
-- request per user and purchase.
CREATE TABLE seat_requests (
    id bigserial PRIMARY KEY,
    add_on_purchase_id bigint NOT NULL REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    note text NOT NULL DEFAULT '',
    state text NOT NULL CHECK (state IN ('pending', 'approved', 'declined')),
    decline_reason text NOT NULL DEFAULT '',
    decided_by text NOT NULL DEFAULT '',
    decided_at timestamptz,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX index_seat_requests_pending_per_user ON seat_requests (add_on_purchase_id, user_id) WHERE state = 'pending';
-- The queue, oldest first.
CREATE INDEX index_seat_requests_on_purchase_state_created ON seat_requests (add_on_purchase_id, state, created_at, id);

-- Per purchase: a seat freed (reclaim, removal, more seats) goes to the
-- oldest pending request.
CREATE TABLE seat_request_settings (
    add_on_purchase_id bigint PRIMARY KEY REFERENCES add_on_purchases (id) ON DELETE CASCADE,
    fill_freed_seats boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE seat_request_settings;
DROP TABLE seat_requests;
