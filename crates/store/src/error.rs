//! Database errors mapped to the store's error kinds. Contention becomes `Busy` (retried, then
//! a 503), never an internal error.

use salesflow_app::ports::StoreError;

pub fn map(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Busy
        }
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            match code.as_str() {
                // SQLite: SQLITE_CONSTRAINT_UNIQUE / PRIMARYKEY; PostgreSQL: unique_violation.
                "2067" | "1555" | "23505" => StoreError::Unique(unique_target(db.message())),
                // SQLite: SQLITE_CONSTRAINT_FOREIGNKEY; PostgreSQL: foreign_key_violation.
                "787" | "23503" => StoreError::MissingReference,
                // SQLite busy/locked; PostgreSQL serialization failure, deadlock, lock timeout,
                // too many connections, shutting down.
                "5" | "6" | "261" | "517" | "40001" | "40P01" | "55P03" | "53300" | "57P01"
                | "57P03" => StoreError::Busy,
                // SQLite I/O error (any extended code) or full disk: the write was rolled back
                // and nothing is acknowledged; it may work again, so 503 + Retry-After, and the
                // operator is told.
                code if sqlite_disk_error(code) => {
                    tracing::error!(code, error = %db.message(), "database disk error");
                    StoreError::Busy
                }
                _ => StoreError::Other(error.to_string()),
            }
        }
        _ => StoreError::Other(error.to_string()),
    }
}

/// SQLITE_IOERR (10) with any extended code, or SQLITE_FULL (13). PostgreSQL's codes have
/// five characters, SQLite's at most four digits.
fn sqlite_disk_error(code: &str) -> bool {
    code.len() <= 4
        && code
            .parse::<u32>()
            .is_ok_and(|c| matches!(c & 0xff, 10 | 13))
}

/// The column or constraint named by a unique-violation message, for a readable conflict.
fn unique_target(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: ") {
        return rest
            .split(',')
            .next()
            .unwrap_or(rest)
            .split('.')
            .nth(1)
            .unwrap_or(rest)
            .to_string();
    }
    // PostgreSQL: duplicate key value violates unique constraint "users_email_key"
    message
        .split('"')
        .nth(1)
        .map(|c| {
            c.trim_end_matches("_key")
                .split('_')
                .skip(1)
                .collect::<Vec<_>>()
                .join("_")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "value".into())
}

#[cfg(test)]
mod tests {
    use super::unique_target;

    #[test]
    fn disk_errors_are_told_from_others() {
        use super::sqlite_disk_error;
        // IOERR, IOERR_WRITE, IOERR_FSYNC, FULL; not CONSTRAINT_UNIQUE nor PostgreSQL codes.
        for code in ["10", "778", "1034", "13"] {
            assert!(sqlite_disk_error(code), "{code}");
        }
        for code in ["2067", "23505", "5", "40P01", "22010"] {
            assert!(!sqlite_disk_error(code), "{code}");
        }
    }

    #[test]
    fn names_the_duplicate_column() {
        assert_eq!(
            unique_target("UNIQUE constraint failed: users.email"),
            "email"
        );
        assert_eq!(
            unique_target("duplicate key value violates unique constraint \"users_email_key\""),
            "email"
        );
    }
}
