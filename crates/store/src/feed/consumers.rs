//! Consumers of the feed: a checkpoint per consumer, a lease so that one instance at a time
//! handles its events, and the events it parked.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{ConsumerStatus, FeedEvent, FeedStore, ParkedEvent, StoreResult};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::rows::{int, opt_text, opt_ts, parsed, text, ts};

use super::read::{HEAD, after, head};

const STATUS: &str = "SELECT c.name, c.position, c.lease_owner, c.lease_until, c.handled, c.updated_at, \
     (SELECT COUNT(*) FROM parked_events p WHERE p.consumer = c.name) AS parked \
     FROM consumers c ORDER BY c.name";

fn status(row: &AnyRow, head: i64) -> StoreResult<ConsumerStatus> {
    Ok(ConsumerStatus {
        name: text(row, "name")?,
        position: int(row, "position")?,
        head,
        lease_owner: opt_text(row, "lease_owner")?,
        lease_until: opt_ts(row, "lease_until")?,
        handled: int(row, "handled")?,
        parked: int(row, "parked")?,
        updated_at: ts(row, "updated_at")?,
    })
}

fn parked(row: &AnyRow) -> StoreResult<ParkedEvent> {
    Ok(ParkedEvent {
        consumer: text(row, "consumer")?,
        position: int(row, "position")?,
        event_id: parsed(row, "event_id")?,
        error: text(row, "error")?,
        attempts: int(row, "attempts")?,
        parked_at: ts(row, "parked_at")?,
    })
}

#[async_trait]
impl FeedStore for SqlStore {
    async fn feed_head(&self) -> StoreResult<i64> {
        let mut conn = self.read.acquire().await.map_err(map)?;
        head(&mut conn).await
    }

    async fn feed_after(&self, position: i64, limit: u32) -> StoreResult<Vec<FeedEvent>> {
        let mut conn = self.read.acquire().await.map_err(map)?;
        after(&mut conn, position, limit).await
    }

    async fn claim_consumer(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<Option<i64>> {
        write_tx!(self, |tx| {
            // A consumer seen for the first time starts at the beginning of the feed.
            sqlx::query_scalar(
                "INSERT INTO consumers (name, position, lease_owner, lease_until, handled, updated_at) \
                 VALUES ($1, 0, $2, $4, 0, $3) ON CONFLICT (name) DO UPDATE \
                 SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until \
                 WHERE consumers.lease_owner IS NULL OR consumers.lease_owner = excluded.lease_owner \
                 OR consumers.lease_until < $3 \
                 RETURNING position",
            )
            .bind(name)
            .bind(owner)
            .bind(now.as_microsecond())
            .bind(until.as_microsecond())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)
        })
    }

    async fn advance_consumer(
        &self,
        name: &str,
        owner: &str,
        position: i64,
        handled: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE consumers SET position = $3, handled = handled + $4, updated_at = $5 \
                 WHERE name = $1 AND lease_owner = $2",
            )
            .bind(name)
            .bind(owner)
            .bind(position)
            .bind(handled)
            .bind(now.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn park_event(
        &self,
        consumer: &str,
        event: &FeedEvent,
        error: &str,
        attempts: i64,
        now: Timestamp,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO parked_events (consumer, position, event_id, error, attempts, parked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consumer, position) \
                 DO UPDATE SET error = excluded.error, attempts = excluded.attempts, \
                 parked_at = excluded.parked_at",
            )
            .bind(consumer)
            .bind(event.position)
            .bind(event.event.id.to_string())
            .bind(error)
            .bind(attempts)
            .bind(now.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(())
        })
    }

    async fn consumers(&self) -> StoreResult<Vec<ConsumerStatus>> {
        let mut conn = self.read.acquire().await.map_err(map)?;
        let head: i64 = sqlx::query_scalar(HEAD)
            .fetch_one(&mut *conn)
            .await
            .map_err(map)?;
        let rows = sqlx::query(STATUS)
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?;
        rows.iter().map(|row| status(row, head)).collect()
    }

    async fn parked_events(
        &self,
        consumer: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ParkedEvent>> {
        let rows = sqlx::query(
            "SELECT consumer, position, event_id, error, attempts, parked_at FROM parked_events \
             WHERE $1 = '' OR consumer = $1 ORDER BY parked_at, consumer, position LIMIT $2",
        )
        .bind(consumer.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(map)?;
        rows.iter().map(parked).collect()
    }

    async fn unpark_event(&self, consumer: &str, position: i64) -> StoreResult<Option<FeedEvent>> {
        write_tx!(self, |tx| {
            let removed =
                sqlx::query("DELETE FROM parked_events WHERE consumer = $1 AND position = $2")
                    .bind(consumer)
                    .bind(position)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
            if removed.rows_affected() == 0 {
                return Ok(None);
            }
            Ok(after(tx, position - 1, 1)
                .await?
                .into_iter()
                .find(|e| e.position == position))
        })
    }

    async fn replay_consumer(
        &self,
        name: &str,
        position: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| {
            // The lease ends too: whoever held it finds out at its next checkpoint and starts
            // over from here.
            let done = sqlx::query(AssertSqlSafe(
                "UPDATE consumers SET position = $2, lease_owner = NULL, lease_until = NULL, \
                 updated_at = $3 WHERE name = $1",
            ))
            .bind(name)
            .bind(position.max(0))
            .bind(now.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn apply_read_models(&self, limit: u32, now: Timestamp) -> StoreResult<u64> {
        if self.read_models_lag().await? <= 0 {
            return Ok(0);
        }
        self.step_read_models(limit, now).await
    }
}
