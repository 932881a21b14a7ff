DROP TRIGGER events_no_update_delete ON events;
UPDATE events SET position = numbered.n
FROM (SELECT id AS numbered_id, ROW_NUMBER() OVER (ORDER BY at, id) AS n FROM events) AS numbered
WHERE events.id = numbered.numbered_id;
-- What happened never changes; only the feed position is set, once.
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION salesflow_append_only();
CREATE TRIGGER events_no_update BEFORE UPDATE OF id, at, entity_type, entity_id, case_id, activity,
    from_state, to_state, actor_id, actor_role, request_id, changes, owner_id, team_id, actor_kind
    ON events FOR EACH ROW EXECUTE FUNCTION salesflow_append_only();
CREATE TRIGGER events_position_once BEFORE UPDATE OF position ON events
    FOR EACH ROW WHEN (OLD.position IS NOT NULL OR NEW.position IS NULL)
    EXECUTE FUNCTION salesflow_append_only();
-- The read models were kept by every write until now: their consumer starts at the head.
INSERT INTO consumers (name, position, handled, updated_at)
SELECT 'read_models', COALESCE(MAX(position), 0), 0, 0 FROM events;
