-- Activities (calls, e-mails, meetings, tasks, notes) about leads, contacts, accounts and
-- opportunities, and when each user last read their notifications.

CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    notes TEXT,
    due_at BIGINT,
    related_type TEXT NOT NULL,
    related_id TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    done_at BIGINT,
    reminded_at BIGINT,
    case_id TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX activities_created ON activities (created_at, id);
CREATE INDEX activities_updated ON activities (updated_at, id);
CREATE INDEX activities_subject ON activities (subject_key, id);
CREATE INDEX activities_status ON activities (status, created_at, id);
CREATE INDEX activities_owner ON activities (owner_id, created_at, id);
CREATE INDEX activities_team ON activities (team_id, created_at, id);
CREATE INDEX activities_related ON activities (related_type, related_id, updated_at);
CREATE INDEX activities_due ON activities (owner_id, status, due_at);
CREATE INDEX activities_reminders ON activities (status, reminded_at, due_at);

ALTER TABLE users ADD COLUMN notifications_seen_at BIGINT NOT NULL DEFAULT 0;
