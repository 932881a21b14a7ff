-- Read models of the sales process, kept in step with the event log by the event writer (see
-- the store's projection module) so the analytics reports read indexed tables instead of
-- ordering the whole log.

-- The furthest pipeline stage each opportunity has reached (the won stage ranks last; -1 none).
ALTER TABLE opportunities ADD COLUMN furthest BIGINT NOT NULL DEFAULT -1;

-- Each stay of an opportunity in a stage: entered by its created or stage_changed event (from
-- prev_stage), closed by the next one (duration NULL while open). The opportunity's pipeline, owner, team, lead
-- source and archive flag are copied beside it so time in stage reads one table.
CREATE TABLE stage_stays (
    event_id TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    stage_key TEXT NOT NULL,
    prev_stage TEXT,
    entered_at BIGINT NOT NULL,
    duration BIGINT,
    owner_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    source TEXT NOT NULL,
    archived INTEGER NOT NULL
);
CREATE INDEX stage_stays_opportunity ON stage_stays (opportunity_id);
-- Percentiles are read as the n-th duration along these indexes, per stage and per group.
CREATE INDEX stage_stays_total ON stage_stays
    (pipeline_id, archived, stage_key, duration, owner_id, team_id, source, entered_at);
CREATE INDEX stage_stays_rep ON stage_stays
    (pipeline_id, archived, owner_id, stage_key, duration, team_id, entered_at);
CREATE INDEX stage_stays_team ON stage_stays
    (pipeline_id, archived, team_id, stage_key, duration, owner_id, entered_at);

-- Each process step of a case with the step before it ('start' for the first) and the times of
-- its neighbours; wait is the time to the next step (NULL for the last).
CREATE TABLE process_steps (
    event_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    label TEXT NOT NULL,
    prev TEXT NOT NULL,
    prev_at BIGINT,
    next_at BIGINT,
    wait BIGINT
);
CREATE INDEX process_steps_case ON process_steps (case_id, at);
CREATE INDEX process_steps_at ON process_steps (at);
CREATE INDEX process_steps_follows ON process_steps (prev, label);
CREATE INDEX process_steps_last ON process_steps (label) WHERE next_at IS NULL;
CREATE INDEX process_steps_wait ON process_steps (label, wait);

-- Each case in one row: its path of steps, first and last step, and the first time of each
-- milestone (see the store's mining module); variants and cycle times group these.
CREATE TABLE process_cases (
    case_id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    lead BIGINT,
    opportunity BIGINT,
    quote BIGINT,
    sales_order BIGINT,
    shipment BIGINT,
    invoice BIGINT,
    cash BIGINT
);
CREATE INDEX process_cases_first ON process_cases (first_at);

-- The products on the lines of each opportunity's quotes, for figures broken down by product.
CREATE TABLE quote_products (
    quote_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    PRIMARY KEY (quote_id, product_id)
);
CREATE INDEX quote_products_opportunity ON quote_products (opportunity_id, product_id);
