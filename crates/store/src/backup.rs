//! Online backups of a SQLite database, and its integrity check. `VACUUM INTO` writes a
//! consistent copy of what is committed while the server keeps serving: the copy is one read
//! transaction, so writers go on and the copy holds no half of any write. PostgreSQL is backed
//! up with its own tools (`pg_dump`, see OPERATIONS.md).

use std::path::Path;

use salesflow_app::ports::{StoreError, StoreResult};

use crate::db::{Backend, SqlStore};
use crate::error::map;

impl SqlStore {
    /// Writes a consistent copy of the database to `target` (which must not exist yet);
    /// returns its size in bytes.
    pub async fn backup_to(&self, target: &Path) -> StoreResult<u64> {
        if self.backend_kind() == Backend::Postgres {
            return Err(StoreError::Other(
                "PostgreSQL databases are backed up with pg_dump (see OPERATIONS.md)".into(),
            ));
        }
        if target.exists() {
            return Err(StoreError::Other(format!(
                "{} exists already: a backup never overwrites a file",
                target.display()
            )));
        }
        let name = target
            .to_str()
            .ok_or_else(|| StoreError::Other("the backup's path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(name)
            .execute(self.pool())
            .await
            .map_err(map)?;
        std::fs::metadata(target)
            .map(|m| m.len())
            .map_err(|e| StoreError::Other(format!("the backup was not written: {e}")))
    }

    /// SQLite's own check of every page and index: empty when the database is sound.
    pub async fn integrity_problems(&self) -> StoreResult<Vec<String>> {
        if self.backend_kind() == Backend::Postgres {
            return Ok(Vec::new());
        }
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(self.pool())
            .await
            .map_err(map)?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }
}
