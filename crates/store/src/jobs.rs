use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{ClaimedJob, JobStore, JobView, NewJob, StoreResult};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::{SqlStore, write_tx};
use crate::dialect;
use crate::error::map;
use crate::rows::{int, micros, opt_text, parsed, text, ts};

/// Enqueues a job inside the caller's transaction (the outbox of the change that causes it);
/// `false` when a job with its unique key exists.
pub(crate) async fn enqueue_in(tx: &mut sqlx::AnyConnection, job: &NewJob) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO jobs (id, kind, payload, unique_key, run_at, max_attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (unique_key) DO NOTHING",
    )
    .bind(job.id.to_string())
    .bind(job.kind.clone())
    .bind(job.payload.clone())
    .bind(job.unique_key.clone())
    .bind(micros(job.run_at))
    .bind(job.max_attempts)
    .bind(micros(job.run_at))
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    Ok(done.rows_affected() == 1)
}

#[async_trait]
impl JobStore for SqlStore {
    async fn enqueue(&self, job: &NewJob) -> StoreResult<bool> {
        write_tx!(self, |tx| { enqueue_in(tx, job).await })
    }

    async fn jobs_of_kind(&self, kind: &str, limit: u32) -> StoreResult<Vec<JobView>> {
        let sql = format!(
            "SELECT id, payload, attempts, max_attempts, last_error, dead, run_at, created_at \
             FROM jobs WHERE kind = $1 ORDER BY created_at DESC, id DESC LIMIT {}",
            limit.clamp(1, 500)
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(kind)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter()
            .map(|r| {
                Ok(JobView {
                    id: parsed(r, "id")?,
                    payload: text(r, "payload")?,
                    attempts: int(r, "attempts")?,
                    max_attempts: int(r, "max_attempts")?,
                    last_error: opt_text(r, "last_error")?,
                    dead: int(r, "dead")? != 0,
                    run_at: ts(r, "run_at").unwrap_or(Timestamp::MAX),
                    created_at: ts(r, "created_at")?,
                })
            })
            .collect()
    }

    async fn retry_job(&self, kind: &str, id: Uuid, now: Timestamp) -> StoreResult<bool> {
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE jobs SET dead = 0, attempts = 0, run_at = $1, last_error = NULL \
                 WHERE id = $2 AND kind = $3 AND locked_by IS NULL",
            )
            .bind(micros(now))
            .bind(id.to_string())
            .bind(kind)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn purge_dead_jobs(&self, kind: &str) -> StoreResult<u64> {
        write_tx!(self, |tx| {
            let done = sqlx::query("DELETE FROM jobs WHERE kind = $1 AND dead = 1")
                .bind(kind)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(done.rows_affected())
        })
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<Option<ClaimedJob>> {
        let sql = dialect::claim_job(self.backend);
        write_tx!(self, |tx| {
            let row = sqlx::query(sql)
                .bind(worker)
                .bind(micros(lease_until))
                .bind(micros(now))
                .fetch_optional(&mut *tx)
                .await
                .map_err(map)?;
            row.map(|r| {
                Ok(ClaimedJob {
                    id: parsed::<Uuid>(&r, "id")?,
                    kind: text(&r, "kind")?,
                    payload: text(&r, "payload")?,
                    attempts: int(&r, "attempts")?,
                    max_attempts: int(&r, "max_attempts")?,
                })
            })
            .transpose()
        })
    }

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        next_run: Option<Timestamp>,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            match next_run {
                Some(at) => sqlx::query(
                    "UPDATE jobs SET run_at = $1, attempts = 0, locked_by = NULL, locked_until = 0, last_error = NULL \
                     WHERE id = $2 AND locked_by = $3",
                )
                .bind(micros(at))
                .bind(id.to_string())
                .bind(worker)
                .execute(&mut *tx)
                .await,
                None => sqlx::query("DELETE FROM jobs WHERE id = $1 AND locked_by = $2")
                    .bind(id.to_string())
                    .bind(worker)
                    .execute(&mut *tx)
                    .await,
            }
            .map_err(map)?;
            Ok(())
        })
    }

    async fn fail_job(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE jobs SET run_at = $1, dead = $2, locked_by = NULL, locked_until = 0, last_error = $3 \
                 WHERE id = $4 AND locked_by = $5",
            )
            .bind(retry_at.map(micros).unwrap_or(i64::MAX))
            .bind(i64::from(retry_at.is_none()))
            .bind(error.chars().take(2000).collect::<String>())
            .bind(id.to_string())
            .bind(worker)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(())
        })
    }
}
