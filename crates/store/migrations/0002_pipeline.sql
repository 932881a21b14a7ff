-- Pipelines with their stages, and opportunities moving through them.

CREATE TABLE pipelines (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    is_default BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);

-- stage_key is stable (the event log's from/to state); required_fields is a comma list.
CREATE TABLE pipeline_stages (
    id TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL REFERENCES pipelines (id),
    stage_key TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    probability BIGINT NOT NULL,
    kind TEXT NOT NULL,
    required_fields TEXT NOT NULL
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (pipeline_id, position);

CREATE TABLE opportunities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    account_id TEXT REFERENCES accounts (id),
    contact_id TEXT REFERENCES contacts (id),
    pipeline_id TEXT NOT NULL REFERENCES pipelines (id),
    stage_id TEXT NOT NULL REFERENCES pipeline_stages (id),
    stage_key TEXT NOT NULL,
    status TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    close_date TEXT,
    close_date_key TEXT NOT NULL,
    probability BIGINT NOT NULL,
    competitor TEXT,
    lost_reason TEXT,
    notes TEXT,
    line_items TEXT NOT NULL DEFAULT '[]',
    lead_id TEXT REFERENCES leads (id),
    case_id TEXT NOT NULL,
    stage_entered_at BIGINT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX opportunities_created ON opportunities (created_at, id);
CREATE INDEX opportunities_updated ON opportunities (updated_at, id);
CREATE INDEX opportunities_name ON opportunities (name_key, id);
CREATE INDEX opportunities_close ON opportunities (close_date_key, id);
CREATE INDEX opportunities_status ON opportunities (status, created_at, id);
CREATE INDEX opportunities_owner ON opportunities (owner_id, created_at, id);
CREATE INDEX opportunities_team ON opportunities (team_id, created_at, id);
-- Board: one column page walks (stage, archived, updated_at, id); the column totals read only
-- this covering index (visibility columns included), never the table.
CREATE INDEX opportunities_board ON opportunities (stage_id, archived, updated_at, id);
CREATE INDEX opportunities_pipeline ON opportunities
    (pipeline_id, archived, stage_id, currency, amount_minor, probability, owner_id, team_id);
CREATE INDEX opportunities_account ON opportunities (account_id);
CREATE INDEX opportunities_contact ON opportunities (contact_id);
CREATE INDEX opportunities_lead ON opportunities (lead_id);
CREATE INDEX opportunities_case ON opportunities (case_id);

-- Notifications are read from the event log: events about a user's records done by others.
CREATE INDEX events_owner_activity ON events (owner_id, activity, at);

-- The pipeline every company starts with (editable in Settings → Pipelines).
INSERT INTO pipelines (id, name, is_default, created_at, updated_at, version)
VALUES ('0190a000-0000-7000-8000-000000000001', 'New business', 1, 0, 0, 1);
INSERT INTO pipeline_stages (id, pipeline_id, stage_key, name, position, probability, kind, required_fields) VALUES
('0190a000-0000-7000-8000-000000000101', '0190a000-0000-7000-8000-000000000001', 'prospecting', 'Prospecting', 0, 10, 'open', ''),
('0190a000-0000-7000-8000-000000000102', '0190a000-0000-7000-8000-000000000001', 'qualification', 'Qualification', 1, 20, 'open', ''),
('0190a000-0000-7000-8000-000000000103', '0190a000-0000-7000-8000-000000000001', 'needs_analysis', 'Needs analysis', 2, 40, 'open', 'account_id'),
('0190a000-0000-7000-8000-000000000104', '0190a000-0000-7000-8000-000000000001', 'proposal', 'Proposal', 3, 60, 'open', 'account_id,amount,close_date'),
('0190a000-0000-7000-8000-000000000105', '0190a000-0000-7000-8000-000000000001', 'negotiation', 'Negotiation', 4, 80, 'open', 'account_id,amount,close_date,contact_id'),
('0190a000-0000-7000-8000-000000000106', '0190a000-0000-7000-8000-000000000001', 'won', 'Won', 5, 100, 'won', 'account_id,amount'),
('0190a000-0000-7000-8000-000000000107', '0190a000-0000-7000-8000-000000000001', 'lost', 'Lost', 6, 0, 'lost', '');
