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
                _ => StoreError::Other(error.to_string()),
            }
        }
        _ => StoreError::Other(error.to_string()),
    }
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
