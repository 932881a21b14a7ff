-- The ordered event feed: every event gets a position when the transaction that wrote it
-- commits, so positions follow commit order and a consumer reading past its checkpoint never
-- skips an event that committed late. Existing events are numbered in the order they were
-- recorded.
ALTER TABLE events ADD COLUMN position BIGINT;
CREATE UNIQUE INDEX events_position ON events (position);
CREATE INDEX events_unpositioned ON events (at, id) WHERE position IS NULL;

-- One row per consumer of the feed: how far it got, and which instance holds it.
CREATE TABLE consumers (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    handled BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

-- Events a consumer failed on repeatedly: set aside with the error, the consumer goes on.
CREATE TABLE parked_events (
    consumer TEXT NOT NULL,
    position BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    parked_at BIGINT NOT NULL,
    PRIMARY KEY (consumer, position)
);
