-- +goose Up
-- GitLab's "Prompt cache" setting (application_settings.model_prompt_cache_enabled),
-- on by default as in GitLab.
ALTER TABLE instance_settings ADD COLUMN model_prompt_cache_enabled boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE instance_settings DROP COLUMN model_prompt_cache_enabled;
