-- Hand-over notifications, written by their feed consumer: at most one per user and event.
CREATE TABLE notifications (
    user_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (user_id, event_id)
);
CREATE INDEX notifications_user_at ON notifications (user_id, at, event_id);

-- Whether a user also wants their notifications by e-mail.
ALTER TABLE users ADD COLUMN notify_by_email BIGINT NOT NULL DEFAULT 0;

-- The notifications computed from the log until now: hand-offs and due reminders for owners.
INSERT INTO notifications (user_id, event_id, kind, at)
SELECT owner_id, id, activity, at FROM events
WHERE activity IN ('handed_off', 'reminder_due') AND owner_id IS NOT NULL
  AND (actor_id IS NULL OR actor_id <> owner_id);

-- Their consumer starts at the head: history is not notified again.
INSERT INTO consumers (name, position, handled, updated_at)
SELECT 'notifications', COALESCE(MAX(position), 0), 0, 0 FROM events;
