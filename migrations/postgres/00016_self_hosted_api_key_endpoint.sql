-- +goose Up
-- The endpoint a self-hosted model's API key was saved for: "Test
-- connection" sends the key there and nowhere else, so a model moved to
-- another host cannot carry the key with it. Existing keys are taken to
-- belong to the endpoint they sit next to today.
ALTER TABLE self_hosted_models ADD COLUMN api_key_endpoint text NOT NULL DEFAULT '';
UPDATE self_hosted_models SET api_key_endpoint = endpoint WHERE api_key_encrypted <> '';

-- +goose Down
ALTER TABLE self_hosted_models DROP COLUMN api_key_endpoint;
