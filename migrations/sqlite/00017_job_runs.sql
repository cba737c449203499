-- +goose Up
-- Each scheduled job's last run (see the Postgres migration): a job runs
-- only when its last run started a period ago. last_finished_at is NULL
-- while a run is under way (or died).
CREATE TABLE job_runs (
    name text PRIMARY KEY,
    last_started_at datetime NOT NULL,
    last_finished_at datetime,
    last_result text NOT NULL DEFAULT '',
    last_error text NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE job_runs;
