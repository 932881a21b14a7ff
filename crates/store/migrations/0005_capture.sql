-- Lead capture: campaigns, public web-to-lead forms and their submissions (for the per-address
-- limit), and the campaign and UTM attribution of leads.

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    budget_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    notes TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX campaigns_created ON campaigns (created_at, id);
CREATE INDEX campaigns_updated ON campaigns (updated_at, id);
CREATE INDEX campaigns_name ON campaigns (name_key, id);
CREATE INDEX campaigns_status ON campaigns (status, created_at, id);
CREATE INDEX campaigns_owner ON campaigns (owner_id, created_at, id);
CREATE INDEX campaigns_team ON campaigns (team_id, created_at, id);

CREATE TABLE web_forms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    campaign_id TEXT REFERENCES campaigns (id),
    fields TEXT NOT NULL,
    thank_you TEXT NOT NULL,
    active BIGINT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX web_forms_created ON web_forms (created_at, id);
CREATE INDEX web_forms_updated ON web_forms (updated_at, id);
CREATE INDEX web_forms_name ON web_forms (name_key, id);
CREATE INDEX web_forms_owner ON web_forms (owner_id, created_at, id);
CREATE INDEX web_forms_team ON web_forms (team_id, created_at, id);

CREATE TABLE form_submissions (
    id TEXT PRIMARY KEY,
    form_id TEXT NOT NULL,
    address_hash TEXT NOT NULL,
    lead_id TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX form_submissions_address ON form_submissions (form_id, address_hash, at);
CREATE INDEX form_submissions_at ON form_submissions (at);

ALTER TABLE leads ADD COLUMN campaign_id TEXT REFERENCES campaigns (id);
ALTER TABLE leads ADD COLUMN attribution TEXT NOT NULL DEFAULT '{}';
CREATE INDEX leads_campaign ON leads (campaign_id, created_at, id);
