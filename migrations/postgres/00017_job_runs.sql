-- +goose Up
-- Each scheduled job's last run, shared by every app instance: a job runs
-- only when its last run started a period ago, checked under the job's
-- advisory lock, so N instances run it once a period, not N times.
-- last_finished_at is NULL while a run is under way (or died).
CREATE TABLE job_runs (
    name text PRIMARY KEY,
    last_started_at timestamptz NOT NULL,
    last_finished_at timestamptz,
    last_result text NOT NULL DEFAULT '',
    last_error text NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE job_runs;
