-- +goose Up
-- The mass-removal guard counts a purchase's recent automated removals with
-- the run's own (issue 18): window_hours is how far back, per purchase (no
-- guard row: 24 hours; 0 counts the run alone). A run is guarded when no
-- person previewed it (the hourly sync, a queued membership change, the API,
-- the ineligible-users job, the provisioning refresh): its applied losses
-- are what the window adds up.
ALTER TABLE seat_removal_guards ADD COLUMN window_hours integer NOT NULL DEFAULT 24;
ALTER TABLE seat_sync_runs ADD COLUMN guarded boolean NOT NULL DEFAULT false;
CREATE INDEX index_seat_sync_runs_on_purchase_status_and_created_at ON seat_sync_runs (add_on_purchase_id, status, created_at);

-- +goose Down
DROP INDEX index_seat_sync_runs_on_purchase_status_and_created_at;
ALTER TABLE seat_sync_runs DROP COLUMN guarded;
ALTER TABLE seat_removal_guards DROP COLUMN window_hours;
