//! Measuring the sales process: the funnel, time in stage with the deals stuck over the p90,
//! and process mining (directly-follows graph, variants, time per step) from the event log,
//! with the event log itself for export. Everything obeys the reader's record visibility
//! (see the analytics port).

use jiff::{SignedDuration, Timestamp};
use salesflow_domain::analytics::funnel::{Funnel, StageDef, WON_ORDER, funnels};
use salesflow_domain::analytics::mining::Variant;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::ids::{PipelineId, TeamId, UserId};
use salesflow_domain::pipeline::{Pipeline, StageKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::list::{non_empty, parse_instant};
use crate::ports::{AnalyticsFilter, Breakdown, LogEvent, OpenStay, Scope, StageTime};
use crate::{Actor, App};

/// Deals listed as stuck, at most.
const STUCK_LIMIT: u32 = 200;
/// Variants listed, at most.
const VARIANTS_LIMIT: u32 = 50;

/// The filters every analytics figure takes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsParams {
    /// Pipeline id (funnel and time in stage; default: the default pipeline).
    pub pipeline_id: Option<String>,
    /// From this date (YYYY-MM-DD) or instant on.
    pub from: Option<String>,
    /// Up to the end of this date (YYYY-MM-DD) or before this instant.
    pub to: Option<String>,
    /// Only this rep's opportunities (user id).
    pub rep: Option<String>,
    /// Only this team's opportunities (team id).
    pub team: Option<String>,
    /// Breakdown: `total` (default), `rep`, `team`, `source` or `product`.
    pub by: Option<String>,
    /// Time in stage of one stage: its open deals (drill-down).
    pub stage: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LostReason {
    pub reason: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunnelReport {
    pub pipeline_id: String,
    pub pipeline: String,
    pub funnels: Vec<Funnel>,
    pub lost_reasons: Vec<LostReason>,
}

/// Time in one stage: completed stays' median and p90.
#[derive(Debug, Clone, Serialize)]
pub struct StageTimeView {
    pub group: String,
    pub stage: String,
    pub stage_name: String,
    pub stays: i64,
    pub median_seconds: i64,
    pub p90_seconds: i64,
}

/// An open deal and how long it has been in its stage.
#[derive(Debug, Clone, Serialize)]
pub struct DealInStage {
    pub id: Uuid,
    pub name: String,
    pub owner_id: String,
    pub stage: String,
    pub entered_at: Timestamp,
    pub seconds_in_stage: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageTimesReport {
    pub pipeline_id: String,
    pub stages: Vec<StageTimeView>,
    /// Open deals longer in their stage than that stage's p90.
    pub stuck: Vec<DealInStage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepTime {
    pub step: String,
    pub count: i64,
    pub median_seconds: i64,
    pub p90_seconds: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EdgeView {
    pub from: String,
    pub to: String,
    pub count: i64,
    /// Share of the cases leaving `from` that went to `to`, percent.
    pub share: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rework {
    /// `quote_revised` or `stage_backwards`.
    pub kind: String,
    pub events: i64,
    pub cases: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedStage {
    pub stage: String,
    pub times: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessReport {
    pub edges: Vec<EdgeView>,
    /// Time from each step to the next one in its case.
    pub steps: Vec<StepTime>,
    pub variants: Vec<Variant>,
    /// Time between a case's milestones (lead, opportunity, quote sent, order, shipment,
    /// invoice posted, paid) and end to end; `step` names the span.
    pub cycle_times: Vec<StepTime>,
    pub rework: Vec<Rework>,
    /// Open stages jumped over by forward moves.
    pub skipped: Vec<SkippedStage>,
}

/// Filters parsed from the request.
pub struct Parsed {
    pub filter: AnalyticsFilter,
    pub by: Breakdown,
    pub pipeline: Option<PipelineId>,
}

fn id_param<T: std::str::FromStr>(field: &str, raw: Option<&str>) -> AppResult<Option<T>> {
    raw.map(|r| {
        r.parse::<T>()
            .map_err(|_| AppError::invalid(field, "invalid_id", "must be an id"))
    })
    .transpose()
}

impl AnalyticsParams {
    pub fn parse(&self) -> AppResult<Parsed> {
        let from = non_empty(&self.from)
            .map(|r| parse_instant("from", r, false))
            .transpose()?;
        let to = non_empty(&self.to)
            .map(|r| parse_instant("to", r, true))
            .transpose()?;
        if let (Some(from), Some(to)) = (from, to)
            && to <= from
        {
            return Err(AppError::invalid(
                "to",
                "invalid_period",
                "the period ends before it starts",
            ));
        }
        let by = match non_empty(&self.by).unwrap_or("total") {
            "total" => Breakdown::Total,
            "rep" => Breakdown::Rep,
            "team" => Breakdown::Team,
            "source" => Breakdown::Source,
            "product" => Breakdown::Product,
            _ => {
                return Err(AppError::invalid(
                    "by",
                    "invalid_breakdown",
                    "one of total, rep, team, source, product",
                ));
            }
        };
        Ok(Parsed {
            filter: AnalyticsFilter {
                from,
                to,
                owner_id: id_param::<UserId>("rep", non_empty(&self.rep))?,
                team_id: id_param::<TeamId>("team", non_empty(&self.team))?,
            },
            by,
            pipeline: id_param::<PipelineId>("pipeline_id", non_empty(&self.pipeline_id))?,
        })
    }
}

fn seconds(micros: i64) -> i64 {
    micros / 1_000_000
}

/// The funnel's stages: open stages by position, then the won stage.
pub(crate) fn funnel_stages(pipeline: &Pipeline) -> Vec<StageDef> {
    let mut defs: Vec<StageDef> = pipeline
        .stages
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == StageKind::Open)
        .map(|(i, s)| StageDef {
            key: s.key.clone(),
            name: s.name.clone(),
            order: i as i64,
        })
        .collect();
    defs.extend(
        pipeline
            .stages
            .iter()
            .filter(|s| s.kind == StageKind::Won)
            .map(|s| StageDef {
                key: s.key.clone(),
                name: s.name.clone(),
                order: WON_ORDER,
            }),
    );
    defs
}

impl App {
    /// The reader's scope for analytics: that of the opportunities.
    pub(crate) fn analytics_scope(&self, actor: &Actor) -> AppResult<Scope> {
        actor.require(Resource::Opportunity, Action::Read)?;
        actor.scope(Resource::Opportunity)
    }

    pub(crate) async fn analytics_pipeline(&self, id: Option<PipelineId>) -> AppResult<Pipeline> {
        let unknown = || AppError::invalid("pipeline_id", "unknown_pipeline", "no such pipeline");
        match id {
            Some(id) => self.store.pipeline(id).await?.ok_or_else(unknown),
            None => self
                .store
                .list_pipelines()
                .await?
                .into_iter()
                .find(|p| p.is_default)
                .ok_or_else(unknown),
        }
    }

    pub async fn funnel_report(
        &self,
        actor: &Actor,
        params: &AnalyticsParams,
    ) -> AppResult<FunnelReport> {
        let scope = self.analytics_scope(actor)?;
        let parsed = params.parse()?;
        let pipeline = self.analytics_pipeline(parsed.pipeline).await?;
        let reaches = self
            .store
            .funnel_reaches(pipeline.id, &parsed.filter, parsed.by, scope)
            .await?;
        let lost = self
            .store
            .lost_reasons(pipeline.id, &parsed.filter, scope)
            .await?;
        Ok(FunnelReport {
            pipeline_id: pipeline.id.to_string(),
            pipeline: pipeline.name.clone(),
            funnels: funnels(&funnel_stages(&pipeline), &reaches),
            lost_reasons: lost
                .into_iter()
                .map(|(reason, count)| LostReason { reason, count })
                .collect(),
        })
    }

    pub async fn stage_times_report(
        &self,
        actor: &Actor,
        params: &AnalyticsParams,
    ) -> AppResult<StageTimesReport> {
        let scope = self.analytics_scope(actor)?;
        let parsed = params.parse()?;
        let pipeline = self.analytics_pipeline(parsed.pipeline).await?;
        let times = self
            .store
            .stage_times(pipeline.id, &parsed.filter, parsed.by, scope)
            .await?;
        let name_of = |key: &str| {
            pipeline
                .stages
                .iter()
                .find(|s| s.key == key)
                .map_or_else(|| key.to_string(), |s| s.name.clone())
        };
        // Stuck is measured against the stage's p90 over everyone the reader may see.
        let overall = match parsed.by {
            Breakdown::Total => times.clone(),
            _ => {
                self.store
                    .stage_times(pipeline.id, &parsed.filter, Breakdown::Total, scope)
                    .await?
            }
        };
        let now = self.now();
        let limits: Vec<(String, Timestamp)> = overall
            .iter()
            .filter_map(|t| {
                let before = now.checked_sub(SignedDuration::from_micros(t.p90_micros));
                Some((t.stage.clone(), before.ok()?))
            })
            .collect();
        let stuck = self
            .store
            .stays_over(pipeline.id, &limits, &parsed.filter, scope, STUCK_LIMIT)
            .await?;
        Ok(StageTimesReport {
            pipeline_id: pipeline.id.to_string(),
            stages: times
                .into_iter()
                .map(|t: StageTime| StageTimeView {
                    stage_name: name_of(&t.stage),
                    group: t.group,
                    stage: t.stage,
                    stays: t.count,
                    median_seconds: seconds(t.median_micros),
                    p90_seconds: seconds(t.p90_micros),
                })
                .collect(),
            stuck: stuck.into_iter().map(|s| self.deal_in_stage(s)).collect(),
        })
    }

    fn deal_in_stage(&self, stay: OpenStay) -> DealInStage {
        DealInStage {
            seconds_in_stage: self.now().duration_since(stay.entered_at).as_secs(),
            id: stay.id,
            name: stay.name,
            owner_id: stay.owner_id,
            stage: stay.stage,
            entered_at: stay.entered_at,
        }
    }

    /// The open deals in one stage, longest there first (a diagram node's drill-down).
    pub async fn deals_in_stage(
        &self,
        actor: &Actor,
        params: &AnalyticsParams,
    ) -> AppResult<Vec<DealInStage>> {
        let scope = self.analytics_scope(actor)?;
        let parsed = params.parse()?;
        let pipeline = self.analytics_pipeline(parsed.pipeline).await?;
        let stage = non_empty(&params.stage)
            .ok_or_else(|| AppError::invalid("stage", "required", "which stage"))?;
        if !pipeline.stages.iter().any(|s| s.key == stage) {
            return Err(AppError::invalid(
                "stage",
                "unknown_stage",
                "no such stage in the pipeline",
            ));
        }
        let stays = self
            .store
            .in_stage(pipeline.id, stage, &parsed.filter, scope, STUCK_LIMIT)
            .await?;
        Ok(stays.into_iter().map(|s| self.deal_in_stage(s)).collect())
    }

    pub async fn process_report(
        &self,
        actor: &Actor,
        params: &AnalyticsParams,
    ) -> AppResult<ProcessReport> {
        let scope = self.analytics_scope(actor)?;
        let parsed = params.parse()?;
        let rows = self.store.directly_follows(&parsed.filter, scope).await?;
        let leaving = |step: &str| -> i64 {
            rows.iter()
                .filter(|r| r.from == step)
                .map(|r| r.count)
                .sum()
        };
        let edges = rows
            .iter()
            .map(|r| EdgeView {
                from: r.from.clone(),
                to: r.to.clone(),
                count: r.count,
                share: salesflow_domain::analytics::percent(r.count, leaving(&r.from)),
            })
            .collect();
        let step_times = |times: Vec<StageTime>| -> Vec<StepTime> {
            times
                .into_iter()
                .map(|t| StepTime {
                    step: t.stage,
                    count: t.count,
                    median_seconds: seconds(t.median_micros),
                    p90_seconds: seconds(t.p90_micros),
                })
                .collect()
        };
        let steps = step_times(self.store.step_times(&parsed.filter, scope).await?);
        let cycle_times = step_times(self.store.cycle_times(&parsed.filter, scope).await?);
        let rework = self
            .store
            .rework(&parsed.filter, scope)
            .await?
            .into_iter()
            .map(|r| Rework {
                kind: r.kind,
                events: r.events,
                cases: r.cases,
            })
            .collect();
        let skipped = self
            .store
            .skipped_stages(&parsed.filter, scope)
            .await?
            .into_iter()
            .map(|(stage, times)| SkippedStage { stage, times })
            .collect();
        let variants = self
            .store
            .variants(&parsed.filter, scope, VARIANTS_LIMIT)
            .await?;
        Ok(ProcessReport {
            edges,
            steps,
            variants,
            cycle_times,
            rework,
            skipped,
        })
    }

    /// One page of the event log for export, after `after`.
    pub async fn event_log_page(
        &self,
        actor: &Actor,
        params: &AnalyticsParams,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> AppResult<Vec<LogEvent>> {
        actor.require(Resource::Opportunity, Action::Export)?;
        let scope = self.analytics_scope(actor)?;
        let parsed = params.parse()?;
        Ok(self
            .store
            .event_log(&parsed.filter, scope, after, limit)
            .await?)
    }
}
