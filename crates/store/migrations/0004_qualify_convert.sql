-- Qualification answers and conversion links on leads; company settings documents.

ALTER TABLE leads ADD COLUMN criteria TEXT NOT NULL DEFAULT '{}';
ALTER TABLE leads ADD COLUMN converted_account_id TEXT;
ALTER TABLE leads ADD COLUMN converted_contact_id TEXT;
ALTER TABLE leads ADD COLUMN converted_opportunity_id TEXT;

CREATE INDEX accounts_name_exact ON accounts (name_key);
CREATE INDEX activities_related_status ON activities (related_type, related_id, status);

CREATE TABLE settings (
    skey TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
