-- CSV import runs, with their rejected rows for download.
CREATE TABLE import_runs (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    dry_run BIGINT NOT NULL,
    total BIGINT NOT NULL,
    imported BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    rejected_csv TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX import_runs_user ON import_runs (user_id, created_at);
CREATE INDEX contacts_phone ON contacts (phone);
CREATE INDEX leads_phone ON leads (phone);

-- Files uploaded in the browser, kept between choosing the column mapping and running the
-- import (any server instance may serve the next step); purged after a day.
CREATE TABLE import_uploads (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    file_name TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX import_uploads_created ON import_uploads (created_at);
