-- SQLite has one writer: the order events were inserted in is the order they committed in.
DROP TRIGGER events_no_update;
UPDATE events SET position = numbered.n
FROM (SELECT rowid AS rid, ROW_NUMBER() OVER (ORDER BY rowid) AS n FROM events) AS numbered
WHERE events.rowid = numbered.rid;
-- What happened never changes; only the feed position is set, once.
CREATE TRIGGER events_no_update BEFORE UPDATE OF id, at, entity_type, entity_id, case_id, activity,
    from_state, to_state, actor_id, actor_role, request_id, changes, owner_id, team_id, actor_kind
    ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_position_once BEFORE UPDATE OF position ON events
    WHEN OLD.position IS NOT NULL OR NEW.position IS NULL
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
-- The read models were kept by every write until now: their consumer starts at the head.
INSERT INTO consumers (name, position, handled, updated_at)
SELECT 'read_models', COALESCE(MAX(position), 0), 0, 0 FROM events;
