-- +goose Up
-- The rest of the instance's GitLab Duo configuration. Values are checked
-- by the application, which words the messages.
ALTER TABLE instance_settings ADD COLUMN duo_chat_expiration_days integer NOT NULL DEFAULT 30;
ALTER TABLE instance_settings ADD COLUMN duo_chat_expiration_column text NOT NULL DEFAULT 'last_updated_at';
ALTER TABLE instance_settings ADD COLUMN direct_code_suggestions_enabled boolean NOT NULL DEFAULT 1;
ALTER TABLE instance_settings ADD COLUMN beta_self_hosted_models_enabled boolean NOT NULL DEFAULT 0;
ALTER TABLE instance_settings ADD COLUMN ai_logs_enabled boolean NOT NULL DEFAULT 0;
ALTER TABLE instance_settings ADD COLUMN ai_gateway_url text NOT NULL DEFAULT '';

-- api_key_encrypted is "v1:<key fingerprint>:<base64 of nonce and AES-GCM
-- ciphertext>", or '' without a key. The key itself never reaches the database.
CREATE TABLE self_hosted_models (
    id integer PRIMARY KEY AUTOINCREMENT,
    name text NOT NULL,
    platform text NOT NULL CHECK (platform IN ('vllm', 'bedrock', 'azure_openai')),
    model_family text NOT NULL,
    endpoint text NOT NULL DEFAULT '',
    identifier text NOT NULL DEFAULT '',
    api_key_encrypted text NOT NULL DEFAULT '',
    created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX index_self_hosted_models_on_lower_name ON self_hosted_models (lower(name));

-- One row per AI-powered feature whose model is not the default (GitLab's
-- vendor model). RESTRICT backs up the "model in use" rule.
CREATE TABLE ai_feature_settings (
    id integer PRIMARY KEY AUTOINCREMENT,
    feature text NOT NULL,
    provider text NOT NULL CHECK (provider IN ('vendored', 'self_hosted', 'disabled')),
    self_hosted_model_id integer REFERENCES self_hosted_models (id) ON DELETE RESTRICT,
    updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK ((provider = 'self_hosted') = (self_hosted_model_id IS NOT NULL))
);
CREATE UNIQUE INDEX index_ai_feature_settings_on_feature ON ai_feature_settings (feature);
CREATE INDEX index_ai_feature_settings_on_self_hosted_model_id ON ai_feature_settings (self_hosted_model_id);

-- +goose Down
DROP TABLE ai_feature_settings;
DROP TABLE self_hosted_models;
ALTER TABLE instance_settings DROP COLUMN ai_gateway_url;
ALTER TABLE instance_settings DROP COLUMN ai_logs_enabled;
ALTER TABLE instance_settings DROP COLUMN beta_self_hosted_models_enabled;
ALTER TABLE instance_settings DROP COLUMN direct_code_suggestions_enabled;
ALTER TABLE instance_settings DROP COLUMN duo_chat_expiration_column;
ALTER TABLE instance_settings DROP COLUMN duo_chat_expiration_days;
