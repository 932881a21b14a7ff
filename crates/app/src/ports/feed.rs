//! The feed port: the event log in commit order, and the consumers that follow it from
//! checkpoints of their own.

use async_trait::async_trait;
use jiff::Timestamp;
use uuid::Uuid;

use super::{EventRecord, StoreResult};

/// An event with its place in the feed: positions are 1, 2, 3 … in commit order, without holes.
#[derive(Debug, Clone)]
pub struct FeedEvent {
    pub position: i64,
    pub event: EventRecord,
}

/// Where a consumer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerStatus {
    pub name: String,
    /// The last position it has handled.
    pub position: i64,
    /// The feed's last position when this was read: `head - position` is its lag.
    pub head: i64,
    /// The instance holding its lease, while the lease runs.
    pub lease_owner: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub handled: i64,
    pub parked: i64,
    pub updated_at: Timestamp,
}

impl ConsumerStatus {
    pub fn lag(&self) -> i64 {
        (self.head - self.position).max(0)
    }
}

/// An event a consumer failed on repeatedly, set aside so the consumer could go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedEvent {
    pub consumer: String,
    pub position: i64,
    pub event_id: Uuid,
    pub error: String,
    pub attempts: i64,
    pub parked_at: Timestamp,
}

#[async_trait]
pub trait FeedStore: Send + Sync {
    /// The last position given so far (0 for an empty log).
    async fn feed_head(&self) -> StoreResult<i64>;
    /// Up to `limit` events after `position`, in feed order.
    async fn feed_after(&self, position: i64, limit: u32) -> StoreResult<Vec<FeedEvent>>;
    /// Takes or renews `name`'s lease for `owner` until `until` (unless another instance holds
    /// a running one); its checkpoint when taken. A consumer not known yet is registered at
    /// position 0.
    async fn claim_consumer(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<Option<i64>>;
    /// Moves the checkpoint to `position` while `owner` still holds the lease; `false` when
    /// the lease was lost (another instance handles the events again: at least once).
    async fn advance_consumer(
        &self,
        name: &str,
        owner: &str,
        position: i64,
        handled: i64,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Sets an event aside for `consumer` with the error it failed with.
    async fn park_event(
        &self,
        consumer: &str,
        event: &FeedEvent,
        error: &str,
        attempts: i64,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Every consumer with its lag and parked events, by name.
    async fn consumers(&self) -> StoreResult<Vec<ConsumerStatus>>;
    /// Parked events, oldest first; of one consumer when given.
    async fn parked_events(
        &self,
        consumer: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ParkedEvent>>;
    /// The parked event at `position` of `consumer` with its event, removed from the parked
    /// list; `None` when there is none.
    async fn unpark_event(&self, consumer: &str, position: i64) -> StoreResult<Option<FeedEvent>>;
    /// Sets `name`'s checkpoint back (or forward) to `position`: it handles everything after it
    /// again. `false` for an unknown consumer.
    async fn replay_consumer(&self, name: &str, position: i64, now: Timestamp)
    -> StoreResult<bool>;
    /// Applies up to `limit` events to the process read models and moves their consumer's
    /// checkpoint in the same transaction (exactly once); how many it applied.
    async fn apply_read_models(&self, limit: u32, now: Timestamp) -> StoreResult<u64>;
}
