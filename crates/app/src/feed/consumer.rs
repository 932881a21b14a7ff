//! Consumers with effects of their own (notifications, rules, webhooks): a lease per consumer
//! so one instance at a time handles its events, at-least-once delivery, and events that keep
//! failing parked with their error so the consumer goes on.

use std::sync::Arc;

use async_trait::async_trait;
use jiff::SignedDuration;

use crate::App;
use crate::error::AppResult;
use crate::ports::FeedEvent;

/// How long a claimed consumer stays with its instance without renewing.
const LEASE: SignedDuration = SignedDuration::from_secs(30);
/// Events read per pass.
const BATCH: u32 = 100;
/// Tries of one event before it is parked.
pub const ATTEMPTS: i64 = 3;

/// One consumer of the feed.
#[async_trait]
pub trait Consumer: Send + Sync {
    /// Its checkpoint's name; stable across versions.
    fn name(&self) -> &'static str;
    /// Handles one event. The same event can come again (a crash before the checkpoint moved,
    /// a lost lease, a replay): the effects must be idempotent.
    async fn handle(&self, app: &App, event: &FeedEvent) -> Result<(), String>;
}

/// The consumers an application runs.
pub type Consumers = Arc<Vec<Arc<dyn Consumer>>>;

impl App {
    /// This application, also running `consumer` in its feed follower.
    pub fn with_consumer(mut self, consumer: Arc<dyn Consumer>) -> Self {
        let mut all: Vec<_> = self.consumers.iter().cloned().collect();
        all.push(consumer);
        self.consumers = Arc::new(all);
        self
    }

    /// One pass of `consumer` for instance `owner`: claims its lease, handles the events after
    /// its checkpoint and moves the checkpoint; how many events it handled (0 when another
    /// instance holds it or nothing is new).
    pub async fn run_consumer(&self, consumer: &dyn Consumer, owner: &str) -> AppResult<u64> {
        let name = consumer.name();
        let now = self.now();
        let until = now.checked_add(LEASE).unwrap_or(now);
        let Some(checkpoint) = self.store.claim_consumer(name, owner, now, until).await? else {
            return Ok(0);
        };
        let batch = self.store.feed_after(checkpoint, BATCH).await?;
        let Some(last) = batch.last().map(|e| e.position) else {
            return Ok(0);
        };
        for event in &batch {
            self.handle_event(consumer, event).await?;
        }
        let handled = batch.len() as i64;
        if !self
            .store
            .advance_consumer(name, owner, last, handled, self.now())
            .await?
        {
            tracing::info!(
                consumer = name,
                "consumer lease lost; another instance goes on"
            );
        }
        Ok(handled as u64)
    }

    /// Handles one event, retrying a few times, then parks it.
    async fn handle_event(&self, consumer: &dyn Consumer, event: &FeedEvent) -> AppResult<()> {
        let mut error = String::new();
        for attempt in 1..=ATTEMPTS {
            match consumer.handle(self, event).await {
                Ok(()) => return Ok(()),
                Err(e) => error = e,
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt as u64)).await;
            }
        }
        tracing::warn!(
            consumer = consumer.name(),
            position = event.position,
            %error,
            "event parked"
        );
        self.store
            .park_event(consumer.name(), event, &error, ATTEMPTS, self.now())
            .await?;
        Ok(())
    }

    /// Handles a parked event again; it leaves the parked list when it succeeds and stays
    /// there with the new error otherwise. `false` when no such event is parked.
    pub async fn retry_parked(&self, consumer_name: &str, position: i64) -> AppResult<bool> {
        let Some(consumer) = self
            .consumers
            .iter()
            .find(|c| c.name() == consumer_name)
            .cloned()
        else {
            return Ok(false);
        };
        let Some(event) = self.store.unpark_event(consumer_name, position).await? else {
            return Ok(false);
        };
        self.handle_event(consumer.as_ref(), &event).await?;
        Ok(true)
    }
}
