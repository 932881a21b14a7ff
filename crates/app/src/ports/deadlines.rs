//! Step deadline timers (see `salesflow_domain::deadline`): started and stopped by their feed
//! consumer, fired by jobs.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::{EventId, TeamId, UserId};
use uuid::Uuid;

use super::{EventRecord, NewJob, StoreResult};

/// A deadline that a case's step has started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub id: Uuid,
    pub rule_key: String,
    pub rule_name: String,
    pub case_id: Uuid,
    /// The record whose step started it; its events carry the warning and the breach.
    pub entity_type: EntityType,
    pub entity_id: Uuid,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub start_event: EventId,
    pub start_step: String,
    pub stop_steps: Vec<String>,
    pub started_at: Timestamp,
    pub warn_at: Timestamp,
    pub due_at: Timestamp,
    pub stopped_at: Option<Timestamp>,
    pub stop_step: Option<String>,
    pub warned: bool,
    pub breached: bool,
    /// The record's name or number, filled in for lists (not stored).
    pub title: String,
}

/// Which of a timer's two moments fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerMoment {
    Warning,
    Breach,
}

/// How the deadlines that end at one step went: for the process map's breach rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOutcomes {
    pub step: String,
    /// Timers stopped at this step (met or missed).
    pub stopped: i64,
    /// Of them, stopped after their due time.
    pub missed: i64,
}

#[async_trait]
pub trait DeadlineStore: Send + Sync {
    /// Starts `timers` (a timer already started for its rule and start event is left alone)
    /// and enqueues `jobs` (their warnings and breaches) in the same transaction.
    async fn start_timers(&self, timers: &[Timer], jobs: &[NewJob]) -> StoreResult<()>;
    /// Stops the running timers of `case` that `step` stops, as of `at`; how many it stopped.
    async fn stop_timers(&self, case: Uuid, step: &str, at: Timestamp) -> StoreResult<u64>;
    /// The timer `rule` started with `start_event`.
    /// The record's timers follow it to a new owner and team.
    async fn reassign_timers(
        &self,
        entity_id: Uuid,
        owner: Option<UserId>,
        team: Option<TeamId>,
    ) -> StoreResult<u64>;
    async fn timer(&self, rule: &str, start_event: EventId) -> StoreResult<Option<Timer>>;
    /// The first of `steps` the case reached at or after `since`, read from the event log
    /// itself (the consumer may not have seen it yet).
    async fn case_reached(
        &self,
        case: Uuid,
        steps: &[String],
        since: Timestamp,
    ) -> StoreResult<Option<(String, Timestamp)>>;
    /// Marks `moment` of a running timer fired and writes `event`, once: false when it fired
    /// before or the timer stopped.
    async fn fire_timer(
        &self,
        id: Uuid,
        moment: TimerMoment,
        event: &EventRecord,
    ) -> StoreResult<bool>;
    /// The timers of the sales in `cases`, newest first.
    async fn case_timers(&self, cases: &[Uuid]) -> StoreResult<Vec<Timer>>;
    /// Of the sales in `cases`, those with a running timer past its warning at `now`, each
    /// with the earliest due time among them.
    async fn pressing_cases(
        &self,
        cases: &[Uuid],
        now: Timestamp,
    ) -> StoreResult<Vec<(Uuid, Timestamp)>>;
    /// `owner`'s running timers past their warning at `now`, soonest due first.
    async fn pressing_timers_of(
        &self,
        owner: UserId,
        now: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Timer>>;
    /// Running timers due before `before`, soonest due first, after the keyset `(due_at, id)`.
    async fn running_timers(
        &self,
        before: Timestamp,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> StoreResult<Vec<Timer>>;
    /// Met and missed timers per stop step, of timers started in `[from, to)`.
    async fn deadline_outcomes(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<StepOutcomes>>;
}
