-- salesflow foundation schema. Portable SQL for SQLite and PostgreSQL:
-- TEXT, BIGINT and DOUBLE PRECISION only; ids are UUIDv7 text; booleans 0/1;
-- instants are microseconds since the Unix epoch (UTC); money is minor units + currency.

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_id TEXT REFERENCES teams (id),
    active BIGINT NOT NULL DEFAULT 1,
    password_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_email_at ON login_failures (email, at);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Replays of money-creating requests (Idempotency-Key), scoped per principal.
CREATE TABLE idempotency_keys (
    principal TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT,
    body TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- *_key columns hold the lower-cased value ('' for none): sort keys and prefix search.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    domain TEXT,
    industry TEXT,
    phone TEXT,
    street TEXT,
    postal_code TEXT,
    city TEXT,
    city_key TEXT NOT NULL,
    country TEXT,
    notes TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX accounts_created ON accounts (created_at, id);
CREATE INDEX accounts_updated ON accounts (updated_at, id);
CREATE INDEX accounts_name ON accounts (name_key, id);
CREATE INDEX accounts_city ON accounts (city_key, id);
CREATE INDEX accounts_domain ON accounts (domain);
CREATE INDEX accounts_owner ON accounts (owner_id, created_at, id);
CREATE INDEX accounts_team ON accounts (team_id, created_at, id);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts (id),
    first_name TEXT,
    first_name_key TEXT NOT NULL,
    last_name TEXT NOT NULL,
    last_name_key TEXT NOT NULL,
    title TEXT,
    email TEXT,
    phone TEXT,
    notes TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX contacts_created ON contacts (created_at, id);
CREATE INDEX contacts_updated ON contacts (updated_at, id);
CREATE INDEX contacts_last_name ON contacts (last_name_key, id);
CREATE INDEX contacts_first_name ON contacts (first_name_key);
CREATE INDEX contacts_email ON contacts (email);
CREATE INDEX contacts_account ON contacts (account_id);
CREATE INDEX contacts_owner ON contacts (owner_id, created_at, id);
CREATE INDEX contacts_team ON contacts (team_id, created_at, id);

CREATE TABLE leads (
    id TEXT PRIMARY KEY,
    first_name TEXT,
    first_name_key TEXT NOT NULL,
    last_name TEXT NOT NULL,
    last_name_key TEXT NOT NULL,
    company TEXT,
    company_key TEXT NOT NULL,
    title TEXT,
    email TEXT,
    phone TEXT,
    source TEXT NOT NULL,
    campaign TEXT,
    status TEXT NOT NULL,
    disqualify_reason TEXT,
    notes TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX leads_created ON leads (created_at, id);
CREATE INDEX leads_updated ON leads (updated_at, id);
CREATE INDEX leads_last_name ON leads (last_name_key, id);
CREATE INDEX leads_first_name ON leads (first_name_key);
CREATE INDEX leads_company ON leads (company_key, id);
CREATE INDEX leads_email ON leads (email);
CREATE INDEX leads_status ON leads (status, created_at, id);
CREATE INDEX leads_source ON leads (source, created_at, id);
CREATE INDEX leads_owner ON leads (owner_id, created_at, id);
CREATE INDEX leads_owner_status ON leads (owner_id, status);
CREATE INDEX leads_team ON leads (team_id, created_at, id);

-- The append-only event log: the timeline, audit trail and process analytics read it.
-- case_id links the documents of one sale (lead -> opportunity -> quote -> order -> invoice).
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    activity TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    actor_id TEXT,
    actor_role TEXT,
    request_id TEXT,
    changes TEXT NOT NULL,
    owner_id TEXT,
    team_id TEXT
);
CREATE INDEX events_entity ON events (entity_type, entity_id, at);
CREATE INDEX events_case ON events (case_id, at);
CREATE INDEX events_at ON events (at, id);
CREATE INDEX events_type_activity ON events (entity_type, activity, at);
CREATE INDEX events_actor ON events (actor_id, at);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    unique_key TEXT NOT NULL UNIQUE,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    dead BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (dead, run_at);
