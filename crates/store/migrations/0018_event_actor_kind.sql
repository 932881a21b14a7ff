-- Who acted when it was not a user: 'customer' for the customer on the portal; NULL for a
-- user (actor_id) or the system.
ALTER TABLE events ADD COLUMN actor_kind TEXT;
