//! What administrators see of the feed: each consumer's checkpoint and lag, the parked events,
//! and retrying one of them.

use salesflow_domain::authz::{Action, Resource};

use crate::error::{AppError, AppResult};
use crate::ports::{ConsumerStatus, ParkedEvent};
use crate::{Actor, App};

/// Parked events shown at once.
const PARKED_SHOWN: u32 = 200;

pub struct FeedOverview {
    pub consumers: Vec<ConsumerStatus>,
    pub parked: Vec<ParkedEvent>,
}

impl App {
    /// The consumers and the events they parked (administrators).
    pub async fn feed_overview(&self, actor: &Actor) -> AppResult<FeedOverview> {
        actor.require(Resource::User, Action::Update)?;
        Ok(FeedOverview {
            consumers: self.store.consumers().await?,
            parked: self.store.parked_events(None, PARKED_SHOWN).await?,
        })
    }

    /// Handles a parked event again (administrators); it stays parked, with the new error,
    /// when it fails again.
    pub async fn retry_parked_event(
        &self,
        actor: &Actor,
        consumer: &str,
        position: i64,
    ) -> AppResult<()> {
        actor.require(Resource::User, Action::Update)?;
        if self.retry_parked(consumer, position).await? {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}
