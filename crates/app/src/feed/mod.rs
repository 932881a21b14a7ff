//! Following the event feed: every `serve` instance runs the feed's consumers beside its job
//! worker; what one instance applies, the others skip (the consumer's checkpoint is taken under
//! a lock), and a report catches up with the feed itself before it reads.

mod consumer;
mod overview;

use std::time::Duration;

pub use consumer::{ATTEMPTS, Consumer, Consumers};
pub use overview::FeedOverview;

use crate::App;
use crate::error::AppResult;
use crate::ports::ConsumerStatus;

/// Events applied to the read models per transaction in the background.
const READ_MODEL_BATCH: u32 = 1_000;
/// How often an idle follower looks for new events: bounds the read models' lag.
const POLL: Duration = Duration::from_millis(250);

impl App {
    /// One pass over the feed's consumers for instance `owner`; how many events they handled.
    pub async fn follow_feed(&self, owner: &str) -> AppResult<u64> {
        let mut handled = self
            .store
            .apply_read_models(READ_MODEL_BATCH, self.now())
            .await?;
        if self.consumers.is_empty() {
            return Ok(handled);
        }
        // One read tells which consumers have anything to do: idle ones take no lease.
        let status = self.store.consumers().await?;
        for consumer in self.consumers.iter() {
            let known = status.iter().find(|s| s.name == consumer.name());
            if known.is_none_or(|s| s.lag() > 0) {
                handled += self.run_consumer(consumer.as_ref(), owner).await?;
            }
        }
        Ok(handled)
    }

    /// Every consumer with its checkpoint, lag and parked events.
    pub async fn consumers(&self) -> AppResult<Vec<ConsumerStatus>> {
        Ok(self.store.consumers().await?)
    }

    /// Sets a consumer back to `position`: it handles every later event again (for the read
    /// models: recomputes what they touch). `false` for an unknown consumer.
    pub async fn replay_consumer(&self, name: &str, position: i64) -> AppResult<bool> {
        Ok(self
            .store
            .replay_consumer(name, position, self.now())
            .await?)
    }
}

/// The in-process feed follower of `serve`: runs until `shutdown` turns true.
pub async fn run_follower(
    app: App,
    owner: String,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let pause = match app.follow_feed(&owner).await {
            // A full batch: more is waiting. Otherwise the next pass waits, so that under load
            // a batch gathers what many writes appended and is applied in one set-based go.
            Ok(handled) if handled >= u64::from(READ_MODEL_BATCH) => Duration::ZERO,
            Ok(_) => POLL,
            Err(error) => {
                tracing::warn!(%error, "feed follower error");
                Duration::from_secs(1)
            }
        };
        if !pause.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
        if *shutdown.borrow() {
            break;
        }
    }
}
