//! The process read models as a consumer of the feed: requests only append events; this
//! consumer applies them in set-based batches, moving its checkpoint in the same transaction, so
//! each event is applied exactly once. The row lock on the checkpoint keeps the background
//! worker and a report catching up from applying the same batch side by side.

use jiff::Timestamp;
use salesflow_app::ports::{EventRecord, StoreResult};
use sqlx::AssertSqlSafe;

use crate::db::{SqlStore, write_tx};
use crate::error::map;

use super::READ_MODELS;
use super::read::{HEAD, after};

/// Events per transaction when a report catches up.
const CATCH_UP_BATCH: u32 = 2_000;

impl SqlStore {
    /// Applies up to `limit` events after the read models' checkpoint; how many.
    pub(crate) async fn step_read_models(&self, limit: u32, now: Timestamp) -> StoreResult<u64> {
        let lock = crate::dialect::for_update(self.backend);
        write_tx!(self, |tx| {
            let sql = format!("SELECT position FROM consumers WHERE name = $1{lock}");
            let position: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(READ_MODELS)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map)?;
            let Some(position) = position else {
                return Ok(0);
            };
            let batch = after(tx, position, limit).await?;
            let Some(last) = batch.last().map(|e| e.position) else {
                return Ok(0);
            };
            let events: Vec<EventRecord> = batch.into_iter().map(|e| e.event).collect();
            crate::projection::refresh(tx, &events).await?;
            sqlx::query(
                "UPDATE consumers SET position = $2, handled = handled + $3, updated_at = $4 \
                 WHERE name = $1",
            )
            .bind(READ_MODELS)
            .bind(last)
            .bind(events.len() as i64)
            .bind(now.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(events.len() as u64)
        })
    }

    /// Brings the read models up to everything committed so far: reports call it first, so
    /// they are exact and a user sees the effect of their own last write. Writes nothing when
    /// the consumer is already there.
    pub async fn read_models_current(&self) -> StoreResult<()> {
        while self.read_models_lag().await? > 0 {
            if self
                .step_read_models(CATCH_UP_BATCH, Timestamp::now())
                .await?
                == 0
            {
                break;
            }
        }
        Ok(())
    }

    /// How long the oldest committed event the read models have not applied has been waiting
    /// (zero when they are current): their lag in time, for the benchmark.
    pub async fn read_models_delay(&self, now: Timestamp) -> StoreResult<std::time::Duration> {
        let oldest: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(at) FROM events WHERE position > \
             (SELECT position FROM consumers WHERE name = $1)",
        )
        .bind(READ_MODELS)
        .fetch_one(&self.read)
        .await
        .map_err(map)?;
        let waited = oldest.map_or(0, |at| (now.as_microsecond() - at).max(0));
        Ok(std::time::Duration::from_micros(waited as u64))
    }

    /// Events committed that the read models have not applied yet (a read, no lock).
    pub(crate) async fn read_models_lag(&self) -> StoreResult<i64> {
        let sql = format!(
            "SELECT ({HEAD}) - COALESCE((SELECT position FROM consumers WHERE name = $1), 0)"
        );
        sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(READ_MODELS)
            .fetch_one(&self.read)
            .await
            .map_err(map)
    }

    /// Recomputes every read model from the whole log and moves their checkpoint to the head
    /// (after bulk loads of history, and to repair).
    pub async fn rebuild_projections(&self) -> StoreResult<()> {
        let lock = crate::dialect::for_update(self.backend);
        write_tx!(self, |tx| {
            let sql = format!("SELECT position FROM consumers WHERE name = $1{lock}");
            sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql))
                .bind(READ_MODELS)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map)?;
            crate::projection::rebuild(tx).await?;
            let sql = format!(
                "UPDATE consumers SET position = ({HEAD}), updated_at = $2 WHERE name = $1"
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(READ_MODELS)
                .bind(Timestamp::now().as_microsecond())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(())
        })
    }
}
