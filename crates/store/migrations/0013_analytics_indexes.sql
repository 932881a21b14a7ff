-- Reads for the analytics reports at a million opportunities: each figure walks one covering
-- index in its grouping order, or seeks ranks along an index that holds its values in order.

-- The funnel groups the pipeline's deals by furthest stage, status and currency.
CREATE INDEX opportunities_funnel ON opportunities
    (pipeline_id, archived, furthest, status, currency, amount_minor, created_at, owner_id, team_id);
CREATE INDEX opportunities_lost ON opportunities
    (pipeline_id, archived, status, lost_reason, created_at, owner_id, team_id);

-- Rework and skipped stages count stays per move (previous stage → stage).
CREATE INDEX stage_stays_moves ON stage_stays (pipeline_id, prev_stage, stage_key, opportunity_id);

-- Variants: a case's duration from first to last step, by path. (The read models are rebuilt
-- from the log after this migration.)
ALTER TABLE process_cases ADD COLUMN duration BIGINT NOT NULL DEFAULT 0;
CREATE INDEX process_cases_path ON process_cases (path, duration);

-- Cycle times: each span between two milestones of a case that happened in that order.
CREATE TABLE case_spans (
    case_id TEXT NOT NULL,
    span TEXT NOT NULL,
    first_at BIGINT NOT NULL,
    duration BIGINT NOT NULL,
    PRIMARY KEY (case_id, span)
);
CREATE INDEX case_spans_duration ON case_spans (span, duration);
