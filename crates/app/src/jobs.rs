//! Background jobs: stored in the database, leased by one worker at a time (so several server
//! instances can share a database), retried with backoff, idempotent.

use jiff::{SignedDuration, Timestamp};
use std::time::Duration;
use uuid::Uuid;

use crate::App;
use crate::error::AppResult;
use crate::ports::{ClaimedJob, NewJob};

/// Deletes expired sessions, old login failures and expired idempotency keys.
pub const PURGE_EXPIRED: &str = "purge_expired";
const PURGE_EVERY: SignedDuration = SignedDuration::from_mins(10);
/// Notifies owners of activities that have become due.
pub const ACTIVITY_REMINDERS: &str = "activity_reminders";
const REMIND_EVERY: SignedDuration = SignedDuration::from_mins(1);
/// Quotes expire within this long after midnight UTC of the day after their validity.
const EXPIRE_EVERY: SignedDuration = SignedDuration::from_mins(15);
/// Overdue invoices are looked at hourly (each reminded at most weekly).
const REMIND_INVOICES_EVERY: SignedDuration = SignedDuration::from_hours(1);
/// Each week's snapshot is taken by the first run in that week.
const SNAPSHOT_EVERY: SignedDuration = SignedDuration::from_hours(6);
const LEASE: SignedDuration = SignedDuration::from_mins(5);

impl App {
    /// Makes sure each recurring job is scheduled exactly once across all instances.
    pub async fn ensure_recurring_jobs(&self) -> AppResult<()> {
        for kind in [
            PURGE_EXPIRED,
            ACTIVITY_REMINDERS,
            crate::quotes::EXPIRE_QUOTES,
            crate::receivables::INVOICE_REMINDERS,
            crate::settlement::SETTLE_ORDERS,
            crate::backtest::FORECAST_SNAPSHOT,
        ] {
            let job = NewJob {
                id: Uuid::now_v7(),
                kind: kind.into(),
                payload: "{}".into(),
                run_at: self.now(),
                unique_key: kind.into(),
                max_attempts: 1_000_000,
            };
            self.store.enqueue(&job).await?;
        }
        Ok(())
    }

    /// Runs a job; `Some(time)` reschedules a recurring job.
    async fn execute(&self, job: &ClaimedJob) -> Result<Option<Timestamp>, String> {
        let now = self.now();
        match job.kind.as_str() {
            PURGE_EXPIRED => {
                let keep_failures_since = now
                    .checked_sub(SignedDuration::from_hours(24))
                    .unwrap_or(now);
                let purged = self
                    .store
                    .purge_expired(now, keep_failures_since)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(?purged, "purged expired rows");
                Ok(Some(now.checked_add(PURGE_EVERY).unwrap_or(now)))
            }
            ACTIVITY_REMINDERS => {
                let sent = self.send_due_reminders().await.map_err(|e| e.to_string())?;
                if sent > 0 {
                    tracing::info!(sent, "activity reminders sent");
                }
                Ok(Some(now.checked_add(REMIND_EVERY).unwrap_or(now)))
            }
            crate::receivables::INVOICE_REMINDERS => {
                let sent = self
                    .send_invoice_reminders()
                    .await
                    .map_err(|e| e.to_string())?;
                if sent > 0 {
                    tracing::info!(sent, "invoice reminders sent");
                }
                Ok(Some(now.checked_add(REMIND_INVOICES_EVERY).unwrap_or(now)))
            }
            crate::settlement::SETTLE_ORDERS => {
                let settled = self.settle_orders().await.map_err(|e| e.to_string())?;
                if settled > 0 {
                    tracing::info!(settled, "orders settled by the catch-up job");
                }
                Ok(Some(
                    now.checked_add(crate::settlement::SETTLE_EVERY)
                        .unwrap_or(now),
                ))
            }
            crate::quotes::EXPIRE_QUOTES => {
                let expired = self.expire_quotes().await.map_err(|e| e.to_string())?;
                if expired > 0 {
                    tracing::info!(expired, "quotes expired");
                }
                Ok(Some(now.checked_add(EXPIRE_EVERY).unwrap_or(now)))
            }
            crate::backtest::FORECAST_SNAPSHOT => {
                let taken = self
                    .take_forecast_snapshots()
                    .await
                    .map_err(|e| e.to_string())?;
                if taken > 0 {
                    tracing::info!(taken, "pipeline snapshots taken for the forecast backtest");
                }
                Ok(Some(now.checked_add(SNAPSHOT_EVERY).unwrap_or(now)))
            }
            crate::deadlines::FIRE_DEADLINE => self
                .fire_deadline(&job.payload)
                .await
                .map(|_| None)
                .map_err(|e| e.to_string()),
            crate::mail::SEND_EMAIL => {
                let mail = crate::mail::MailJob::parse(&job.payload)?;
                let last_attempt = job.attempts >= job.max_attempts;
                self.deliver(&mail, last_attempt).await.map(|()| None)
            }
            other => Err(format!("unknown job kind '{other}'")),
        }
    }

    /// Claims and runs one due job; `false` when none was due.
    pub async fn run_next_job(&self, worker: &str) -> AppResult<bool> {
        let now = self.now();
        let lease_until = now.checked_add(LEASE).unwrap_or(now);
        let Some(job) = self.store.claim_job(worker, now, lease_until).await? else {
            return Ok(false);
        };
        match self.execute(&job).await {
            Ok(next_run) => self.store.finish_job(job.id, worker, next_run).await?,
            Err(error) => {
                tracing::warn!(kind = %job.kind, attempt = job.attempts, %error, "job failed");
                let retry_at = (job.attempts < job.max_attempts).then(|| {
                    // Exponential backoff, capped at one hour.
                    let secs = 2i64
                        .saturating_pow(job.attempts.clamp(0, 12) as u32)
                        .min(3600);
                    now.checked_add(SignedDuration::from_secs(secs))
                        .unwrap_or(now)
                });
                self.store
                    .fail_job(job.id, worker, &error, retry_at)
                    .await?;
            }
        }
        Ok(true)
    }

    /// Runs every job that is due now (tests and the `jobs run` command).
    pub async fn drain_jobs(&self, worker: &str) -> AppResult<usize> {
        let mut ran = 0;
        while self.run_next_job(worker).await? {
            ran += 1;
        }
        Ok(ran)
    }
}

/// The in-process worker of `serve`: polls for due jobs until `shutdown` turns true.
pub async fn run_worker(
    app: App,
    worker: String,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    if let Err(error) = app.ensure_recurring_jobs().await {
        tracing::error!(%error, "could not schedule recurring jobs");
    }
    loop {
        let idle = match app.run_next_job(&worker).await {
            Ok(ran) => !ran,
            Err(error) => {
                tracing::warn!(%error, "job worker error");
                true
            }
        };
        if idle {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => {}
            }
        }
        if *shutdown.borrow() {
            break;
        }
    }
}
