-- Round-robin counters of the lead assignment rules.
CREATE TABLE assignment_counters (
    counter_key TEXT PRIMARY KEY,
    turns BIGINT NOT NULL
);
