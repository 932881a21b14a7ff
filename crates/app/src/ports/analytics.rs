//! The analytics port: set-based reads of the event log and the opportunities behind the funnel,
//! time in stage and process mining. Every read takes the reader's `Scope`: a restricted reader's
//! figures come only from the records (and the cases of the records) they may see.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use salesflow_domain::analytics::funnel::Reach;
use salesflow_domain::analytics::mining::Variant;
use salesflow_domain::ids::{PipelineId, TeamId, UserId};
use uuid::Uuid;

use super::{Scope, StoreResult};

/// Which records a figure is computed from, besides the reader's scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalyticsFilter {
    /// Opportunities created (funnel), stays begun (time in stage) or steps taken (process
    /// mining) at or after `from` and before `to`.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Only opportunities (and their cases) owned by this user / this team.
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
}

impl AnalyticsFilter {
    /// The same owner and team over the whole history: no period.
    pub fn whole_history(&self) -> Self {
        Self {
            from: None,
            to: None,
            ..self.clone()
        }
    }
}

/// What a figure is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Breakdown {
    #[default]
    Total,
    Rep,
    Team,
    /// The source of the lead the opportunity came from.
    Source,
    /// The products on the opportunity's quotes (a deal counts once per product; deals without
    /// a quoted product form the group with an empty name).
    Product,
}

/// Median and p90 of completed stays in one stage (microseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageTime {
    pub group: String,
    pub stage: String,
    pub count: i64,
    pub median_micros: i64,
    pub p90_micros: i64,
}

/// An open opportunity and how long it has been in its stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenStay {
    pub id: Uuid,
    pub name: String,
    pub owner_id: String,
    pub stage: String,
    pub entered_at: Timestamp,
}

/// How often one step directly followed another (`start`/`end` for a case's first and last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowRow {
    pub from: String,
    pub to: String,
    pub count: i64,
}

/// One step of the exported event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub id: Uuid,
    pub case_id: String,
    pub activity: String,
    pub at: Timestamp,
    pub actor_id: Option<String>,
    /// The user's name, `customer` (the portal) or `system`.
    pub resource: String,
    pub entity_type: String,
    pub entity_id: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
}

/// Repeated work: `kind` happened `events` times in `cases` cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReworkRow {
    /// `quote_revised` or `stage_backwards`.
    pub kind: String,
    pub events: i64,
    pub cases: i64,
}

/// Open opportunities of one close month (`YYYY-MM`, empty without a close date), stage and
/// currency: how many, their amount, and amount × probability (in hundredths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineSlice {
    pub month: String,
    pub stage: String,
    pub currency: String,
    pub deals: i64,
    pub amount_minor: i128,
    pub weighted_hundredths: i128,
}

/// An open opportunity expected to close in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub stage: String,
    pub currency: String,
    pub amount_minor: i64,
    pub probability: i64,
}

#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// Opportunities of `pipeline` by group, furthest stage order, status and currency.
    async fn funnel_reaches(
        &self,
        pipeline: PipelineId,
        filter: &AnalyticsFilter,
        by: Breakdown,
        scope: Scope,
    ) -> StoreResult<Vec<Reach>>;
    /// Lost opportunities of the funnel's cohort by lost reason, most frequent first.
    async fn lost_reasons(
        &self,
        pipeline: PipelineId,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<(String, i64)>>;
    /// Median and p90 time of completed stays per group and stage.
    async fn stage_times(
        &self,
        pipeline: PipelineId,
        filter: &AnalyticsFilter,
        by: Breakdown,
        scope: Scope,
    ) -> StoreResult<Vec<StageTime>>;
    /// Open opportunities that entered their stage before its limit, longest first.
    async fn stays_over(
        &self,
        pipeline: PipelineId,
        limits: &[(String, Timestamp)],
        filter: &AnalyticsFilter,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<OpenStay>>;
    /// Open opportunities of `pipeline` in `stage`, longest there first.
    async fn in_stage(
        &self,
        pipeline: PipelineId,
        stage: &str,
        filter: &AnalyticsFilter,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<OpenStay>>;
    /// The open pipeline by close month, stage and currency.
    async fn open_pipeline(
        &self,
        pipeline: PipelineId,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<PipelineSlice>>;
    /// Open opportunities with a close date from `first` to `last` (`YYYY-MM-DD`, inclusive).
    async fn closing_between(
        &self,
        pipeline: PipelineId,
        first: &str,
        last: &str,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<Closing>>;
}

/// An open opportunity as a weekly snapshot kept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotDeal {
    pub currency: String,
    pub amount_minor: i64,
    pub probability: i64,
    /// The win rate of its stage that week.
    pub win_per_mille: i64,
}

/// Deals won in a period, per currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WonTotal {
    pub currency: String,
    pub deals: i64,
    pub amount_minor: i128,
}

/// Weekly snapshots of the open pipeline and what was won since, for the forecast backtest.
#[async_trait]
pub trait ForecastStore: Send + Sync {
    /// Copies the open opportunities of `pipeline` as the snapshot of `week` (its Monday), each
    /// with the win rate of its stage from `rates` (per mille); `false` when that week's
    /// snapshot was taken already.
    async fn take_forecast_snapshot(
        &self,
        pipeline: PipelineId,
        week: Date,
        taken_at: Timestamp,
        rates: &[(String, i64)],
    ) -> StoreResult<bool>;
    /// The weeks `pipeline` has a snapshot of, oldest first.
    async fn snapshot_weeks(&self, pipeline: PipelineId) -> StoreResult<Vec<Date>>;
    /// The deals of a week's snapshot expected to close from `first` to `last` (inclusive), of
    /// the filter's owner or team and in the reader's scope (as owned that week).
    async fn snapshot_deals(
        &self,
        pipeline: PipelineId,
        week: Date,
        (first, last): (Date, Date),
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<SnapshotDeal>>;
    /// Opportunities of `pipeline` won from `from` to before `to`, per currency.
    async fn won_between(
        &self,
        pipeline: PipelineId,
        (from, to): (Timestamp, Timestamp),
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<WonTotal>>;
}

/// Process mining reads of the event log, over the cases the reader may see.
#[async_trait]
pub trait MiningStore: Send + Sync {
    /// The directly-follows graph of the process steps.
    async fn directly_follows(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<FollowRow>>;
    /// Time from each step to the next step of its case, per step (median and p90).
    async fn step_times(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<StageTime>>;
    /// Time between the milestones of a case (`lead_opportunity`, `opportunity_quote`,
    /// `quote_order`, `order_shipment`, `shipment_invoice`, `invoice_payment`, `lead_to_cash`,
    /// `opportunity_to_cash`), median and p90, in the `stage` field.
    async fn cycle_times(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<StageTime>>;
    /// Quotes revised again and opportunities moved back to an earlier stage.
    async fn rework(&self, filter: &AnalyticsFilter, scope: Scope) -> StoreResult<Vec<ReworkRow>>;
    /// Open stages jumped over by forward moves, by stage key, most skipped first.
    async fn skipped_stages(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> StoreResult<Vec<(String, i64)>>;
    /// The most frequent variants (paths of cases).
    async fn variants(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<Variant>>;
    /// Process steps in time order after `after` (time, id), for export.
    async fn event_log(
        &self,
        filter: &AnalyticsFilter,
        scope: Scope,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> StoreResult<Vec<LogEvent>>;
}
