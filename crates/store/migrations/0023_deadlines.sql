-- Step deadline timers, derived from the event log by their feed consumer: one per deadline
-- rule and start event. The warning and the breach fire through the jobs table.
CREATE TABLE deadline_timers (
    id TEXT PRIMARY KEY,
    rule_key TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    -- The sale the timer watches and the record whose step started it.
    case_id TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    owner_id TEXT,
    team_id TEXT,
    start_event_id TEXT NOT NULL,
    start_step TEXT NOT NULL,
    -- The steps that stop it, comma-separated.
    stop_steps TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    warn_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    stopped_at BIGINT,
    stop_step TEXT,
    warned BIGINT NOT NULL DEFAULT 0,
    breached BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX deadline_timers_start ON deadline_timers (rule_key, start_event_id);
CREATE INDEX deadline_timers_case ON deadline_timers (case_id, started_at);
CREATE INDEX deadline_timers_running ON deadline_timers (due_at) WHERE stopped_at IS NULL;
CREATE INDEX deadline_timers_stop ON deadline_timers (stop_step, stopped_at);

-- Their consumer starts at the head: deadlines apply from when they are configured.
INSERT INTO consumers (name, position, handled, updated_at)
SELECT 'deadlines', COALESCE(MAX(position), 0), 0, 0 FROM events;

-- Each user's time zone: pages show times in it (IANA name).
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
