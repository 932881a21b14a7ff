//! Company settings documents (JSON under a key, versioned).

use async_trait::async_trait;
use salesflow_app::ports::{AssignmentStore, EventRecord, SettingsStore, StoreError, StoreResult};

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_event;
use crate::rows::{int, text};

#[async_trait]
impl SettingsStore for SqlStore {
    async fn setting(&self, key: &str) -> StoreResult<Option<(String, i64)>> {
        let row = sqlx::query("SELECT value, version FROM settings WHERE skey = $1")
            .bind(key.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.map(|r| Ok((text(&r, "value")?, int(&r, "version")?)))
            .transpose()
    }

    async fn save_setting(
        &self,
        key: &str,
        value: &str,
        expected_version: i64,
        event: &EventRecord,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            let saved = if expected_version == 0 {
                // The first save; a concurrent first save makes this one a conflict.
                sqlx::query(
                    "INSERT INTO settings (skey, value, version, updated_at) VALUES ($1, $2, 1, $3) \
                     ON CONFLICT (skey) DO NOTHING",
                )
                .bind(key.to_string())
                .bind(value.to_string())
                .bind(event.at.as_microsecond())
                .execute(&mut *tx)
                .await
                .map_err(map)?
            } else {
                sqlx::query(
                    "UPDATE settings SET value = $1, version = version + 1, updated_at = $2 \
                     WHERE skey = $3 AND version = $4",
                )
                .bind(value.to_string())
                .bind(event.at.as_microsecond())
                .bind(key.to_string())
                .bind(expected_version)
                .execute(&mut *tx)
                .await
                .map_err(map)?
            };
            if saved.rows_affected() == 0 {
                return Err(StoreError::VersionConflict {
                    current: expected_version + 1,
                });
            }
            insert_event(tx, event).await
        })
    }
}

#[async_trait]
impl AssignmentStore for SqlStore {
    async fn take_turns(&self, key: &str, count: i64) -> StoreResult<i64> {
        write_tx!(self, |tx| {
            // One statement on both databases: create the counter or advance it, and read the
            // new total back.
            let row = sqlx::query(
                "INSERT INTO assignment_counters (counter_key, turns) VALUES ($1, $2) \
                 ON CONFLICT (counter_key) DO UPDATE SET turns = assignment_counters.turns + $2 \
                 RETURNING turns",
            )
            .bind(key.to_string())
            .bind(count)
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
            Ok(int(&row, "turns")? - count)
        })
    }
}
