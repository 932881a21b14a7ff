//! The only place where SQL differs between SQLite and PostgreSQL.

use crate::db::Backend;

/// Opens a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so a
/// read-then-write transaction never fails half-way with `SQLITE_BUSY`.
pub fn begin_write(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// Leases the oldest due job. PostgreSQL skips rows other instances hold; SQLite has a single
/// writer, so the sub-select cannot race.
pub fn claim_job(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE dead = 0 AND run_at <= $3 AND locked_until < $3 \
                         AND attempts < max_attempts ORDER BY run_at LIMIT 1) \
             RETURNING id, kind, payload, attempts, max_attempts"
        }
        Backend::Postgres => {
            "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE dead = 0 AND run_at <= $3 AND locked_until < $3 \
                         AND attempts < max_attempts ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, payload, attempts, max_attempts"
        }
    }
}

/// Serialises concurrent migration runs (several instances starting at once).
pub fn migration_lock(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some("SELECT pg_advisory_xact_lock(7263541001)"),
    }
}

/// Suffix of the migration files that only this database runs.
pub fn migration_suffix(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Serialises first-run setups, so two browsers cannot both create "the first" admin.
pub fn first_user_lock(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some("SELECT pg_advisory_xact_lock(7263541002)"),
    }
}

/// Locks the rows a read-then-write transaction reads. SQLite's write transaction already
/// excludes other writers.
pub fn for_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE",
    }
}
